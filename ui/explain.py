"""The "why the score moved" section of the Overview and the Scorecard: the waterfall of
`charts.waterfall.score_change` between the chosen period and the one before, and its
parts as a table."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from kpi_engine.charts import waterfall
from kpi_engine.core import periods
from kpi_engine.core.explain import explain_every
from kpi_engine.core.scorecard import Scorecard
from kpi_engine.core.settings import DEFAULTS, Settings
from kpi_engine.i18n import points_change_text, t
from ui import altair_lock, data, derived, downloads, runs, tables


def previous_settings(period: str, settings: Settings) -> Settings:
    """The settings in force at the end of `period` (SPEC's defaults when none had been
    stored by then), from the store's settings log."""
    found = data.settings_then(period, settings.time_zone)
    return found or DEFAULTS


def section(
    history: Scorecard,
    period: str | None,
    lang: str,
    settings: Settings,
    *,
    department: str | None = None,
) -> None:
    """Heading, a caption with the change, the waterfall and its parts as a table: for
    the organisation of `history` (None) or one department as `history` names it. The
    previous period counts as scored then: a change of settings since is a part."""
    if not period:
        return
    st.subheader(t("explain.title", lang))
    previous = previous_settings(periods.previous_period(period), settings)
    asked = Question(period, lang, settings, department, previous)
    made_from = data.origin(history)
    shown = _change(history, asked) if made_from is None else _shared_change(made_from, asked)
    if isinstance(shown, str):
        st.caption(shown)
        return
    st.caption(shown.caption)
    name = f"score_change_{department or 'organisation'}_{period}"
    downloads.chart(shown.chart, name, lang, title=t("explain.title", lang), period=period)
    table = pd.DataFrame(
        {
            t("explain.part", lang): shown.labelled["label"],
            t("explain.kind", lang): [t(f"explain.kind_{k}", lang) for k in shown.labelled["kind"]],
            t("explain.points", lang): [
                points_change_text(p, lang) for p in shown.labelled["points"]
            ],
        }
    )
    st.dataframe(table, hide_index=True, placeholder=tables.MISSING)


class Question(NamedTuple):
    """What the section asks of a scorecard (`waterfall.score_change`'s arguments)."""

    period: str
    lang: str
    settings: Settings
    department: str | None
    previous: Settings


class Shown(NamedTuple):
    """What the section shows of a `waterfall.Change`: the chart as a Vega-Lite dict
    (`derived.Drawn`: the same dict, its data for the browser in Arrow)."""

    caption: str
    chart: derived.Drawn
    labelled: pd.DataFrame


def _change(history: Scorecard, asked: Question, parts: pd.DataFrame | None = None) -> Shown | str:
    found = waterfall.score_change(
        history,
        asked.period,
        asked.lang,
        asked.settings,
        department=asked.department,
        previous_settings=asked.previous,
        parts=parts,
    )
    if isinstance(found, str):
        return found
    return Shown(found.caption, derived.Drawn(altair_lock.chart_dict(found.chart)), found.labelled)


@runs.cache_by_name(st.cache_resource, show_spinner=False, max_entries=64)
def _shared_change(made_from: data.Origin, asked: Question) -> Shown | str:
    """`_change` of the scorecard `made_from` names: worked out once for every session
    that shows the same data, settings, departments, period and language, and shared
    without a copy (the section only reads it)."""
    with runs.aside():
        every = _every_parts(made_from, asked.period, asked.settings, asked.previous)
        return _change(data.card(made_from), asked, every.get(asked.department))


@runs.cache_by_name(st.cache_resource, show_spinner=False, max_entries=16)
def _every_parts(
    made_from: data.Origin, period: str, settings: Settings, previous: Settings
) -> dict[str | None, pd.DataFrame]:
    """The organisation's parts and every department's in one pass (`explain.explain_every`),
    once per scorecard, period and settings for every session and language: the Overview
    and the Scorecard ask for them after every upload."""
    with runs.aside():
        return explain_every(
            data.card(made_from), period, settings=settings, previous_settings=previous
        )
