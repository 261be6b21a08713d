"""The Settings page's users section, for admins: the users file as a table, a form that
adds a user or changes one (typing an existing name fills in what the file says), and
removing one. The same rules and hashing as `python -m kpi_engine users` (both call
`kpi_engine.auth.users`); the acting admin is looked up again before each change, as the
store does before a write, and the last admin can be neither removed nor demoted.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kpi_engine.auth import users
from kpi_engine.auth.roles import ROLES, Actor, Forbidden
from kpi_engine.i18n import LANGUAGES, t
from kpi_engine.store import failures
from ui import auth, data, tables, text

NAME, PASSWORD, ROLE, DEPARTMENTS = "user_name", "user_password", "user_role", "user_departments"
EMAIL, LANGUAGE, SAVE = "user_email", "user_language", "user_save"
REMOVE_CHOICE, REMOVE = "user_remove_choice", "user_remove_button"
SAID = "users_said"  # session key: (kind, catalog key, params) shown after the rerun
NO_LANGUAGE = ""  # the digest in the organisation's default language


def section(who: Actor, lang: str) -> None:
    """The users section, for those who may manage users (nothing for anyone else)."""
    if not who.may(auth.USERS):
        return
    st.subheader(t("settings.users", lang))
    st.caption(t("settings.users_hint", lang))
    _say(lang)
    people = auth.people()
    if people:
        st.dataframe(tables.people(people, lang), hide_index=True, placeholder=tables.MISSING)
    for person in people:
        if "problem" in person:
            st.warning(
                text.md("settings.user_broken", lang, name=person["name"]),
                icon=":material/key_off:",
            )
    _form(lang)
    _removal(people, lang)


def _fill() -> None:
    """Typing an existing user's name fills the form with what the file says of them."""
    found = next(
        (p for p in _people() if p["name"] == st.session_state.get(NAME, "").strip()), None
    )
    if found is None:
        return
    st.session_state[ROLE] = found["role"] if found["role"] in ROLES else ROLES[0]
    st.session_state[DEPARTMENTS] = list(found["departments"])  # type: ignore[call-overload]
    st.session_state[EMAIL] = found.get("email") or ""
    st.session_state[LANGUAGE] = found.get("language") or NO_LANGUAGE


def _form(lang: str) -> None:
    st.markdown(f"**{t('settings.user_form', lang)}**")
    st.caption(t("settings.user_form_hint", lang))
    name_col, password_col = st.columns(2)
    name_col.text_input(
        t("auth.name", lang),
        key=NAME,
        max_chars=users.MAX_NAME_CHARS,
        on_change=_fill,
    )
    password_col.text_input(
        t("auth.password", lang),
        type="password",
        key=PASSWORD,
        max_chars=users.MAX_PASSWORD_CHARS,
        help=t("settings.user_password_hint", lang),
    )
    role_col, departments_col = st.columns(2)
    role_col.selectbox(
        t("settings.role", lang),
        ROLES,
        format_func=lambda role: t(f"role.{role}", lang),
        key=ROLE,
    )
    chosen = st.session_state.get(DEPARTMENTS) or []
    departments_col.multiselect(
        t("common.department", lang),
        list(dict.fromkeys([*data.departments(), *chosen])),
        format_func=data.shown(),
        accept_new_options=True,
        help=t("settings.user_departments_hint", lang),
        placeholder=t("settings.user_departments_empty", lang),
        key=DEPARTMENTS,
    )
    email_col, language_col = st.columns(2)
    email_col.text_input(
        t("settings.user_email", lang),
        key=EMAIL,
        max_chars=users.MAX_EMAIL_CHARS,
        help=t("settings.user_email_hint", lang),
    )
    language_col.selectbox(
        t("settings.user_language", lang),
        (NO_LANGUAGE, *users.USER_LANGUAGES),
        format_func=lambda code: LANGUAGES.get(code) or t("settings.user_language_default", lang),
        key=LANGUAGE,
    )
    st.button(t("settings.user_save", lang), icon=":material/person_add:", key=SAVE, on_click=_save)


def _save() -> None:
    """The save button's callback: add the user, or change the one of that name."""
    name = st.session_state.get(NAME, "").strip()
    password = st.session_state.get(PASSWORD, "")
    fields = {
        "role": st.session_state[ROLE],
        "departments": list(st.session_state.get(DEPARTMENTS) or []),
        "email": st.session_state.get(EMAIL, ""),
        "language": st.session_state.get(LANGUAGE) or "",
    }
    if any(p["name"] == name for p in _people()):
        done = _change(
            lambda: users.update(name, password=password or None, **fields), "user_changed", name
        )
    elif not password:
        st.session_state[SAID] = ("error", "settings.user_needs_password", {})
        done = False
    else:
        done = _change(lambda: users.add(name, password, **fields), "user_added", name)
    if done:
        st.session_state[PASSWORD] = ""


def _removal(people: list[dict[str, object]], lang: str) -> None:
    if not people:
        return
    st.markdown(f"**{t('settings.user_remove', lang)}**")
    choice_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    choice_col.selectbox(
        t("auth.name", lang),
        [p["name"] for p in people],
        index=None,
        placeholder=t("settings.user_remove_choice", lang),
        key=REMOVE_CHOICE,
    )
    button_col.button(
        t("settings.user_remove_button", lang),
        icon=":material/person_remove:",
        key=REMOVE,
        on_click=_remove,
    )


def _remove() -> None:
    """The remove button's callback (never the last user: that is open mode, CLI only)."""
    name = st.session_state.get(REMOVE_CHOICE)
    if name is not None and _change(lambda: users.remove(name), "user_removed", name):
        st.session_state[REMOVE_CHOICE] = None


def _people() -> list[dict[str, object]]:
    """The users file now (a callback runs before the page reads it again)."""
    try:
        return auth.people()
    except users.UsersFileError:
        return []  # `_change` meets the same file and says so


def _change(write: Callable[[], object], done: str, name: str) -> bool:
    """A users-file change by the signed-in admin (looked up again now: one removed or
    demoted since the page was drawn changes nothing). Run from a button's callback, so
    what happened (done, refused, a damaged or unwritable users file) is kept for `_say`
    to show in the user's words on the run that follows."""
    try:
        who = auth.current()
        if who is None:
            return False
        if not who.may(auth.USERS):
            raise Forbidden("forbidden", "", user=who.name, role=who.role, action=auth.USERS)
        write()
    except Forbidden as error:
        st.session_state[SAID] = ("forbidden", error.code, dict(error.params))
        return False
    except users.UserRefused as refused:
        st.session_state[SAID] = ("error", f"users.{refused.code}", dict(refused.params))
        return False
    except KeyError:  # removed by another admin meanwhile
        st.session_state[SAID] = ("error", "users.unknown_user", {"name": name})
        return False
    except Exception as error:  # a callback runs outside app.py's guard: say it here
        code = failures.failure(error)
        if code is None:
            raise
        st.session_state[SAID] = ("error", f"failure.{code}", {})
        return False
    st.session_state[SAID] = ("success", f"settings.{done}", {"name": name})
    return True


def _say(lang: str) -> None:
    """What the last change did, or why it was refused (names as plain text)."""
    said = st.session_state.pop(SAID, None)
    if said is None:
        return
    kind, key, params = said
    if kind == "forbidden":
        st.error(auth.refused(Forbidden(key, "", **params), lang), icon=":material/block:")
    elif kind == "success":
        st.success(text.md(key, lang, **params), icon=":material/check_circle:")
    else:
        st.error(text.md(key, lang, **params), icon=":material/error:")
