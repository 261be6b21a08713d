"""Session-state keys, named once, and the sidebar that sets them.

Every page reads the user's choices through `current()`; no page invents a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from kpi_engine.i18n import DEFAULT_LANG, LANGUAGES, t

LANG = "lang"
GRAIN = "grain"
PERIOD = "period"
DEPARTMENTS = "departments"
UPLOADS = "uploads"  # {content hash: (file name, store.UploadResult)} stored from this session
VERSION_DEPARTMENT = "version_department"
VERSION_PERIOD = "version_period"
VERSION_PICK = "version_pick"
PENDING_DELETE = "pending_delete"  # upload id awaiting confirmation
LAST_DELETED = "last_deleted"  # upload id that can be undone
SCORECARD_DEPARTMENT = "scorecard_department"
TREND_LEVEL = "trend_level"
TREND_KEYS = "trend_keys"

GRAINS = ("month", "quarter", "ytd")


@dataclass(frozen=True)
class Choices:
    """What the sidebar says: language, period label and the departments to show."""

    lang: str
    grain: str
    period: str | None
    departments: tuple[str, ...]  # empty: all


_IN_SHELL: ContextVar[bool] = ContextVar("in_shell", default=False)


def leave_legacy_mode() -> None:
    """app.py's first call. Streamlit keeps a legacy mode for apps with a `pages/` folder:
    until `st.navigation` has run once in the process, the first request executes a page
    file alone, or app.py as a legacy page (whose widgets then get other ids, so the
    sidebar's choices would reset on the next page switch). In that mode this switches it
    off and reruns, which goes through app.py to the same page."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_shell() -> None:
    """Every page's first call: run inside app.py's navigation (`shell()`), else leave
    the legacy mode and rerun. The mode is one flag for the whole process, so when several
    sessions start at once another session may have switched it off while this one was
    already running a page file alone: the page checks its own run, not the flag."""
    if not _IN_SHELL.get():
        PagesManager.uses_pages_directory = False
        st.rerun()


@contextmanager
def shell() -> Iterator[None]:
    """app.py runs the chosen page inside this: pages then know they have the shell."""
    token = _IN_SHELL.set(True)
    try:
        yield
    finally:
        _IN_SHELL.reset(token)


def lang() -> str:
    return st.session_state.get(LANG, DEFAULT_LANG)


def current() -> Choices:
    return Choices(
        lang(),
        st.session_state.get(GRAIN, "month"),
        st.session_state.get(PERIOD),
        tuple(st.session_state.get(DEPARTMENTS, ())),
    )


def sidebar(period_labels: dict[str, list[str]], departments: list[str]) -> Choices:
    """Language, period grain and period, department filter. Latest period by default."""
    with st.sidebar:
        st.selectbox(
            t("sidebar.language", lang()),
            list(LANGUAGES),
            format_func=LANGUAGES.__getitem__,
            key=LANG,
        )
        language = lang()
        grain = (
            st.segmented_control(
                t("sidebar.grain", language),
                GRAINS,
                format_func=lambda g: t(f"grain.{g}", language),
                key=GRAIN,
                default="month",
            )
            or "month"
        )
        labels = period_labels.get(grain) or [None]
        if st.session_state.get(PERIOD) not in labels:
            st.session_state[PERIOD] = labels[-1]
        st.selectbox(t("sidebar.period", language), labels, key=PERIOD)
        st.multiselect(
            t("sidebar.department", language),
            departments,
            key=DEPARTMENTS,
            placeholder=t("sidebar.all_departments", language),
        )
    return current()
