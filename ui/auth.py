"""Sign-in and the acting user, checked in this order:

1. OIDC through `st.login`, when `.streamlit/secrets.toml` has an `[auth]` section: the
   provider signs people in; the role comes from the users-file entry named by their
   e-mail (added with `python -m kpi_engine users add`), else viewer.
2. The embedded users file (`KPI_USERS_FILE`, default `users.json` in the data directory)
   once it has a user: a name and password form (argon2 hashes, `kpi_engine.users`).
3. Neither: open mode. Everyone acts as `anonymous` with the admin role, which is what a
   single team trying the app on a laptop expects; the sidebar says so, and adding the
   first user ends it.

Pages hide what a role may not do, but the store refuses it anyway (`kpi_engine.access`).
"""

from __future__ import annotations

import streamlit as st

from kpi_engine import users
from kpi_engine.access import ADMIN, VIEWER, Actor, Forbidden
from kpi_engine.i18n import t
from ui.text import md

ACTOR = "actor"  # session key: who signed in with the users file
OPEN = Actor("anonymous", ADMIN)
NOBODY = Actor("anonymous", VIEWER)  # never reached past `gate`; may change nothing


def _oidc() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return False


def current() -> Actor | None:
    """The signed-in user, `OPEN` when sign-in is not set up, None when nobody signed in."""
    if _oidc():
        if not st.user.get("is_logged_in"):
            return None
        email = str(st.user.get("email") or st.user.get("name"))
        entry = users.load().get(email)
        return users.actor(email, entry) if entry else Actor(email, VIEWER)
    if users.load():
        return st.session_state.get(ACTOR)
    return OPEN


def actor() -> Actor:
    return current() or NOBODY


def _sign_in() -> None:
    found = users.authenticate(
        st.session_state.get("sign_in_name", "").strip(),
        st.session_state.get("sign_in_password", ""),
    )
    st.session_state["sign_in_failed"] = found is None
    if found is not None:
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
        st.text_input(t("auth.name", lang), key="sign_in_name")
        st.text_input(t("auth.password", lang), type="password", key="sign_in_password")
        st.form_submit_button(t("auth.sign_in", lang), on_click=_sign_in)
    if st.session_state.get("sign_in_failed"):
        st.error(t("auth.wrong", lang))
    st.stop()


def _sign_out() -> None:
    st.session_state.pop(ACTOR, None)
    if _oidc():
        st.logout()


def sidebar(who: Actor, lang: str) -> None:
    """Who is signed in, with which role, and a way out."""
    with st.sidebar:
        if who is OPEN:
            st.caption(t("auth.open_mode", lang), help=t("auth.open_mode_help", lang))
            return
        st.caption(md("auth.signed_in", lang, name=who.name, role=t(f"role.{who.role}", lang)))
        st.button(t("auth.sign_out", lang), on_click=_sign_out, key="sign_out")


def refused(error: Forbidden, lang: str) -> str:
    """A refusal in the user's words: who may not do what, or which departments to remove."""
    params = dict(error.params)
    if "role" in params:
        params["role"] = t(f"role.{params['role']}", lang)
    if "action" in params:
        params["action"] = t(f"action.{params['action']}", lang)
    return md(f"access.{error.code}", lang, **params)
