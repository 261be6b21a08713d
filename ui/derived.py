"""What pages derive from the shared scorecards (charts, tables, the Overview's figures),
worked out once for every session that asks with the same inputs, not on every run.

Two keys, one wrapper each; both call the engine's own function, so a number has one path:

- `chart(build, *args, **options)`: a chart of `kpi_engine.charts.specs`, keyed by the
  content of the frames it is drawn from (`runs.frame_digest`) and its options. Building
  an Altair chart and turning it into the dict sent to the browser was most of a page
  run's CPU. Shared without a copy (`st.cache_resource`): Streamlit copies the dict
  before changing it.
- `of_card(func, card, ...)`: a table or figure `func(card, ...)` of a scorecard that
  `ui.data` handed out, keyed by what the card was made from (`data.origin`: data
  revision, grain, settings, language, node or departments chosen) and the other
  arguments, never by hashing the card. A copy per hit (`st.cache_data`): they are small,
  and a page may add a column to its table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from kpi_engine import Scorecard
from ui import altair_lock, data, runs, tables

T = TypeVar("T")


def arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with each named dataset as the Arrow bytes `st.vega_lite_chart` would make
    of its rows (Streamlit's own conversion), which it sends as they are: converted once
    for every session, not on every draw (a few milliseconds a chart)."""
    if not spec.get("datasets"):
        return spec
    arrow = {n: convert_anything_to_arrow_bytes(rows) for n, rows in spec["datasets"].items()}
    return {**spec, "datasets": arrow}


class Chart:
    """A chart built once: the Altair chart, the dict the browser is sent
    (`altair_lock.shown_dict`, its datasets already in Arrow: `arrow_datasets`) and, when
    first asked (a meeting screen, a download), the dict with Altair's defaults that the
    images are drawn from."""

    def __init__(self, chart: Any) -> None:
        self.chart = chart
        self.shown = arrow_datasets(altair_lock.shown_dict(chart))

    @cached_property
    def plain(self) -> dict[str, Any]:
        return altair_lock.chart_dict(self.chart)


class Drawn(Chart):
    """A chart shown as its dict with Altair's defaults (`plain`), as the images are
    drawn (the score-change waterfall, `ui.explain`), its datasets in Arrow for the
    browser: built once for every session as `Chart`."""

    def __init__(self, plain: dict[str, Any]) -> None:
        self.chart = None
        self.shown = arrow_datasets(plain)
        self.__dict__["plain"] = plain  # the cached property's value, given


def chart(build: Callable[..., Any], *args: Any, **options: Any) -> Chart:
    """`build(*args, **options)` (a chart of `kpi_engine.charts.specs`), built once
    for every session drawing it from the same rows with the same options (frames
    by content: `runs.HASH_FUNCS`)."""
    name = f"{build.__module__}.{build.__qualname__}"
    return _chart(name, args, tuple(sorted(options.items())), build)


@runs.cache_by_name(st.cache_resource, show_spinner=False, max_entries=256)
def _chart(
    name: str,
    args: tuple[Any, ...],
    options: tuple[tuple[str, Any], ...],
    _build: Callable[..., Any],
) -> Chart:
    with runs.aside():
        return Chart(_build(*args, **dict(options)))


def of_card(func: Callable[..., T], card: Scorecard, *args: Any, **kwargs: Any) -> T:
    """`func(card, *args, **kwargs)`, once for every session showing the same card (a
    card `ui.data` did not hand out is worked out as asked)."""
    return _once_for(_of_card, func, card, args, kwargs)


def shared_of_card(func: Callable[..., T], card: Scorecard, *args: Any, **kwargs: Any) -> T:
    """`of_card` without a copy per hit: one object every session's run reads and never
    changes (a Styler of `tables.settled`, which Streamlit only reads when drawing it)."""
    return _once_for(_shared_of_card, func, card, args, kwargs)


def _once_for(
    cache: Callable[..., Any],
    func: Callable[..., T],
    card: Scorecard,
    args: tuple,
    kwargs: dict[str, Any],
) -> T:
    made_from = data.origin(card)
    if made_from is None:
        return func(card, *args, **kwargs)
    named = f"{func.__module__}.{func.__qualname__}"
    return cache(named, made_from, args, tuple(sorted(kwargs.items())), func)


def _work_out(
    name: str,
    made_from: data.Origin,
    args: tuple,
    kwargs: tuple[tuple[str, Any], ...],
    _func: Callable[..., T],
) -> T:
    with runs.aside():
        return _func(data.card(made_from), *args, **dict(kwargs))


_of_card = runs.cache_by_name(st.cache_data, show_spinner=False, max_entries=512)(_work_out)
_shared_of_card = runs.cache_by_name(st.cache_resource, show_spinner=False, max_entries=256)(
    _work_out
)


def shown_versions(department: str, period: str, lang: str, zone: str) -> tables.VersionView:
    """The Data page's versions of a department-month (table, labels, facts), worked out
    once per change of the uploads for every session asking in the same language and
    time zone."""
    return _shown_versions(data.uploads_token(), department, period, lang, zone)


@runs.cache_by_name(st.cache_data, show_spinner=False, max_entries=64)
def _shown_versions(
    token: tuple[str, int, str], department: str, period: str, lang: str, zone: str
) -> tables.VersionView:
    return tables.version_view(data.versions(department, period), lang, zone)


def shown_upload_history(lang: str, zone: str) -> pd.DataFrame:
    """The Data page's upload history as shown (`tables.upload_history`), once per change
    of the uploads for every session asking in the same language and time zone."""
    return _shown_upload_history(data.uploads_token(), lang, zone)


@runs.cache_by_name(st.cache_data, show_spinner=False, max_entries=16)
def _shown_upload_history(token: tuple[str, int, str], lang: str, zone: str) -> pd.DataFrame:
    return tables.upload_history(data.upload_history(), lang, zone)
