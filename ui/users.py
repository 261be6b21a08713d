"""The Settings page's users section, for admins: the users file as a table, a form that
adds a user or changes one (typing an existing name fills in what the file says), and
removing one. The same rules and hashing as `python -m kpi_engine users` (the change goes
through `ui.auth.change_user` to `kpi_engine.auth.users`); the acting admin is looked up
again before each change, as the store does before a write, and the last admin can be
neither removed nor demoted.
"""

from __future__ import annotations

import streamlit as st

from kpi_engine.i18n import LANGUAGES, t
from ui import auth, data, tables, text

NAME, PASSWORD, ROLE, DEPARTMENTS = "user_name", "user_password", "user_role", "user_departments"
EMAIL, LANGUAGE, SAVE = "user_email", "user_language", "user_save"
REMOVE_CHOICE, REMOVE = "user_remove_choice", "user_remove_button"
SAID = "users_said"  # session key: (kind, catalog key, params) shown after the rerun
NO_LANGUAGE = ""  # the digest in the organisation's default language


def section(who: auth.Actor, lang: str) -> None:
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
    st.session_state[ROLE] = found["role"] if found["role"] in auth.ROLES else auth.ROLES[0]
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
        max_chars=auth.MAX_NAME_CHARS,
        on_change=_fill,
    )
    password_col.text_input(
        t("auth.password", lang),
        type="password",
        key=PASSWORD,
        max_chars=auth.MAX_PASSWORD_CHARS,
        help=t("settings.user_password_hint", lang),
    )
    role_col, departments_col = st.columns(2)
    role_col.selectbox(
        t("settings.role", lang),
        auth.ROLES,
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
        max_chars=auth.MAX_EMAIL_CHARS,
        help=t("settings.user_email_hint", lang),
    )
    language_col.selectbox(
        t("settings.user_language", lang),
        (NO_LANGUAGE, *auth.USER_LANGUAGES),
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
        done = _change("update", name, password=password or None, **fields)
    elif not password:
        st.session_state[SAID] = ("error", "settings.user_needs_password", {})
        done = False
    else:
        done = _change("add", name, password=password, **fields)
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
    if name is not None and _change("remove", name):
        st.session_state[REMOVE_CHOICE] = None


def _people() -> list[dict[str, object]]:
    """The users file now (a callback runs before the page reads it again)."""
    try:
        return auth.people()
    except ValueError:  # a damaged users file: `_change` meets it too and says so
        return []


def _change(change: str, name: str, **fields: object) -> bool:
    """A users-file change by the signed-in admin (`auth.change_user`); what happened is
    kept for `_say` to show in the user's words on the run that follows."""
    kind, key, params = auth.change_user(change, name, **fields)
    if kind == "success":
        key = {"add": "settings.user_added", "update": "settings.user_changed"}.get(
            change, "settings.user_removed"
        )
    if kind != "none":
        st.session_state[SAID] = (kind, key, params)
    return kind == "success"


def _say(lang: str) -> None:
    """What the last change did, or why it was refused (names as plain text)."""
    said = st.session_state.pop(SAID, None)
    if said is None:
        return
    kind, key, params = said
    if kind == "forbidden":
        st.error(auth.refused(auth.Forbidden(key, "", **params), lang), icon=":material/block:")
    elif kind == "success":
        st.success(text.md(key, lang, **params), icon=":material/check_circle:")
    else:
        st.error(text.md(key, lang, **params), icon=":material/error:")
