"""Session-state keys, named once, and the sidebar that sets them.

Every page reads the user's choices through `current()`; no page invents a key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from kpi_engine.core.periods import GRAINS  # SPEC §5.1
from kpi_engine.i18n import DEFAULT_LANG, LANGUAGES, period_label, t

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
TREND_INDEXED = "trend_indexed"
ORG_NODE = "org_node"  # the unit or department of the tree the pages look at (None: the top)
ORG_MOVES = "org_moves"  # how many times a click in a table or chart moved the node


@dataclass(frozen=True)
class Choices:
    """What the sidebar says: language, period label and the departments to show."""

    lang: str
    grain: str
    period: str | None
    departments: tuple[str, ...]  # empty: all


def lang() -> str:
    return st.session_state.get(LANG, DEFAULT_LANG)


def current() -> Choices:
    return Choices(
        lang(),
        st.session_state.get(GRAIN, "month"),
        st.session_state.get(PERIOD),
        tuple(st.session_state.get(DEPARTMENTS, ())),
    )


def sidebar(
    period_labels: dict[str, list[str]],
    departments: list[str],
    shown: Callable[[str], str] = str,
) -> Choices:
    """Language, period grain and period, department filter. Latest period by default.
    The filter holds stored names, shown as `shown` gives them (the user's script)."""
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
        st.selectbox(
            t("sidebar.period", language),
            labels,
            key=PERIOD,
            format_func=lambda p: period_label(p, language) if p else str(p),
        )
        st.multiselect(
            t("sidebar.department", language),
            departments,
            format_func=shown,
            key=DEPARTMENTS,
            placeholder=t("sidebar.all_departments", language),
        )
    return current()
