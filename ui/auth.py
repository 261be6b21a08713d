"""Sign-in and the acting user, checked in this order:

1. OIDC through `st.login`, when `.streamlit/secrets.toml` has an `[auth]` section: the
   provider signs people in; the role comes from the users-file entry named by their
   e-mail (added with `python -m kpi_engine users add`), else viewer.
2. The embedded users file (`KPI_USERS_FILE`, default `users.json` in the data directory)
   once it has a user: a name and password form (argon2 hashes, `kpi_engine.auth.users`).
3. Neither: open mode. Everyone acts as `anonymous` with the admin role, which is what a
   single team trying the app on a laptop expects; every page says so in a warning, and
   adding the first user ends it.

The acting user is looked up in the users file on every run (and by the store before
every write): a user removed, given a new password or a lower role since signing in is
signed out or loses the role at the next click. A damaged users file raises
`users.UsersFileError`, which app.py shows as what to do: sign-in fails closed.
Pages hide what a role may not do, but the store refuses it anyway (`kpi_engine.auth.roles`).
"""

from __future__ import annotations

import os

import streamlit as st

from kpi_engine.auth import roles, users
from kpi_engine.auth.roles import ADMIN, OPEN_MODE, VIEWER, Actor, Forbidden
from kpi_engine.core.schema import ANONYMOUS
from kpi_engine.i18n import t
from kpi_engine.store import failures
from ui import runs
from ui.text import md

ACTOR = "actor"  # session key: who signed in with the users file
SIGN_IN_MESSAGE = "sign_in_message"  # session key: (catalog key, params) under the form
OPEN = Actor(ANONYMOUS, ADMIN)
NOBODY = Actor(ANONYMOUS, VIEWER)  # never reached past `gate`; may change nothing

# What pages ask `who.may(...)` about: pages reach the roles through this module only.
UPLOAD, DELETE, RESTORE = roles.UPLOAD, roles.DELETE, roles.RESTORE
SETTINGS, SCENARIO, USERS = roles.SETTINGS, roles.SCENARIO, roles.USERS
ACTION = roles.ACTION  # the actions agreed in the meeting (ui.actions)
DEPARTMENT_ROLES = roles.DEPARTMENT_ROLES  # act for their own departments only
APPROVE, CLOSE = roles.APPROVE, roles.CLOSE
# What the users section (ui/users.py) offers and bounds, from the users file's rules.
ROLES, USER_LANGUAGES = roles.ROLES, users.USER_LANGUAGES
MAX_NAME_CHARS, MAX_PASSWORD_CHARS = users.MAX_NAME_CHARS, users.MAX_PASSWORD_CHARS
MAX_EMAIL_CHARS = users.MAX_EMAIL_CHARS
_CHANGES = {"add": users.add, "update": users.update, "remove": users.remove}


def _oidc() -> bool:
    """Whether sign-in is by OIDC (an `[auth]` section in the secrets): once per run
    (`runs.once`), since Streamlit looks for the secrets files on every ask."""
    return runs.once("oidc", _has_auth_secrets)


def _has_auth_secrets() -> bool:
    # With no secrets file, every ask of st.secrets takes its lock and looks for the
    # files again: a hundred sessions queued on it. A file added later is seen at once.
    if not any(os.path.exists(path) for path in st.get_option("secrets.files")):
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return False


def current() -> Actor | None:
    """The signed-in user as the users file says now, open mode's actor when sign-in is
    not set up, None when nobody is signed in (or the user was just signed out)."""
    if _oidc():
        if not st.user.get("is_logged_in"):
            return None
        return users.oidc_actor(str(st.user.get("email") or st.user.get("name")))
    if not users.load():
        return users.open_actor(OPEN.name, OPEN.role)
    held = st.session_state.get(ACTOR)
    if held is None:
        return None
    try:
        fresh = users.current_actor(held)
    except Forbidden:
        st.session_state.pop(ACTOR, None)
        st.session_state[SIGN_IN_MESSAGE] = ("auth.signed_out", {})
        return None
    st.session_state[ACTOR] = fresh
    return fresh


def actor() -> Actor:
    return current() or NOBODY


def is_open(who: Actor) -> bool:
    """Open mode: no users, everyone may change everything."""
    return who.signed_in is not None and who.signed_in.method == OPEN_MODE


def _client() -> str | None:
    """Who is signing in, for counting failures per client: the connection's address, else
    (a local or proxied connection) this session."""
    address = st.context.ip_address
    if isinstance(address, str) and address:  # (a test harness's stand-in is not)
        return address
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return f"session:{context.session_id}" if context else None


def _sign_in() -> None:
    """The form's callback: check the name and password, or say why not."""
    name = st.session_state.get("sign_in_name", "").strip()
    try:
        found = users.authenticate(
            name, st.session_state.get("sign_in_password", ""), client=_client()
        )
    except users.Throttled as refused:
        key = "auth.busy" if refused.busy else "auth.throttled"
        st.session_state[SIGN_IN_MESSAGE] = (key, {"seconds": refused.seconds})
        return
    except users.UsersFileError as broken:
        if broken.name is None:
            return  # the whole file: app.py says what to do
        st.session_state[SIGN_IN_MESSAGE] = ("auth.entry_broken", {"name": broken.name})
        return
    st.session_state["sign_in_password"] = ""
    if found is None:
        st.session_state[SIGN_IN_MESSAGE] = ("auth.wrong", {})
    else:
        st.session_state.pop(SIGN_IN_MESSAGE, None)
        st.session_state[ACTOR] = found


def gate(lang: str) -> Actor:
    """The signed-in user; otherwise the sign-in screen, and nothing else runs."""
    found = current()
    if found is not None:
        return found
    st.title(t("auth.title", lang))
    if _oidc():
        st.button(t("auth.oidc", lang), on_click=st.login, icon=":material/login:")
        st.stop()
    with st.form("sign_in"):
        st.text_input(t("auth.name", lang), key="sign_in_name", max_chars=users.MAX_NAME_CHARS)
        st.text_input(
            t("auth.password", lang),
            type="password",
            key="sign_in_password",
            max_chars=users.MAX_PASSWORD_CHARS,
        )
        st.form_submit_button(t("auth.sign_in", lang), on_click=_sign_in)
    message = st.session_state.get(SIGN_IN_MESSAGE)
    if message:
        key, params = message
        st.error(t(key, lang, **params), icon=":material/lock:")
    st.stop()


def _sign_out() -> None:
    st.session_state.pop(ACTOR, None)
    if _oidc():
        st.logout()


def banner(who: Actor, lang: str) -> None:
    """Open mode, on every page: anyone who can reach the app can change everything, and
    how to end it."""
    if is_open(who):
        st.warning(t("auth.open_mode", lang), icon=":material/lock_open:")


def sidebar(who: Actor, lang: str) -> None:
    """Who is signed in, with which role, and a way out."""
    if is_open(who):
        return
    with st.sidebar:
        st.caption(md("auth.signed_in", lang, name=who.name, role=t(f"role.{who.role}", lang)))
        st.button(t("auth.sign_out", lang), on_click=_sign_out, key="sign_out")


def people() -> list[dict[str, object]]:
    """The users file's entries for the admin's list (no hashes; a broken one says why):
    pages read the users file through this module only."""
    return users.describe()


def change_user(change: str, name: str, **fields: object) -> tuple[str, str, dict[str, object]]:
    """`users.add`, `update` or `remove` (`change`) as the signed-in user, looked up again
    now (an admin removed or demoted since the page was drawn changes nothing). Run from
    buttons' callbacks, outside app.py's guard, so it never raises for what it can say:
    returns (kind, catalog key, params), kind one of "success", "error", "forbidden"
    (`refused` words it) or "none" (signed out: the sign-in form says so)."""
    try:
        who = current()
        if who is None:
            return "none", "", {}
        roles.require(who, USERS)
        _CHANGES[change](name, **fields)  # type: ignore[operator]
    except Forbidden as error:
        return "forbidden", error.code, dict(error.params)
    except users.UserRefused as refusal:
        return "error", f"users.{refusal.code}", dict(refusal.params)
    except KeyError:  # removed by another admin meanwhile
        return "error", "users.unknown_user", {"name": name}
    except Exception as error:  # a damaged or unwritable users file: what to do
        code = failures.failure(error)
        if code is None:
            raise
        return "error", f"failure.{code}", {}
    return "success", "", {"name": name}


def refused(error: Forbidden, lang: str) -> str:
    """A refusal in the user's words: who may not do what, or which departments to remove."""
    params = dict(error.params)
    if "role" in params:
        params["role"] = t(f"role.{params['role']}", lang)
    if "action" in params:
        params["action"] = t(f"action.{params['action']}", lang)
    return md(f"access.{error.code}", lang, **params)
