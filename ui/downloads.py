"""Download buttons: every chart as PNG and SVG, the period's report as Excel and PDF (and
the organisation's meeting deck as PowerPoint), the What-if comparison as Excel.

Each button gets a callable, so a file is made only when someone clicks (vl-convert and
the PDF writer take tens to hundreds of milliseconds); a rerun or a slider move never pays
for them. A click does not rerun the page (`on_click="ignore"`): with the rerun, the browser
tests now and then got no download at all, or an empty chart; the rerun re-registers
every button's callable while the click's file request is under way. The reports carry the meeting actions (`ui.data.actions`).
The files come from `kpi_engine.images` and the report modules, the same code
`python -m kpi_engine report` runs. The report modules are imported on the first click
(`_writer`): fpdf, python-pptx and openpyxl took about a second and a half to import
on a loaded machine, which every cold start paid before its first page.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from types import ModuleType
from typing import Any

import pandas as pd
import streamlit as st

from kpi_engine import Scorecard, Settings
from kpi_engine.charts import sizes
from kpi_engine.core.periods import grain_of
from kpi_engine.core.whatif import Comparison, Scenario
from kpi_engine.i18n import t
from kpi_engine.reports import images
from ui import altair_lock, data, derived, meeting, notes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _writer(name: str) -> ModuleType:
    """`kpi_engine.reports.<name>` (xlsx, pdf, deck, whatif), imported when a file is
    first asked for."""
    return importlib.import_module(f"kpi_engine.reports.{name}")


def _plain(spec: images.Spec | derived.Chart) -> dict[str, Any]:
    """The chart as a Vega-Lite dict, its data inline, safe from any thread (`altair_lock`)."""
    if isinstance(spec, derived.Chart):
        return spec.plain
    return spec if isinstance(spec, dict) else altair_lock.chart_dict(spec)


def _shown(spec: images.Spec | derived.Chart) -> dict[str, Any]:
    """The chart as `st.altair_chart` would send it (`altair_lock.shown_dict`)."""
    if isinstance(spec, derived.Chart):
        return spec.shown
    return spec if isinstance(spec, dict) else altair_lock.shown_dict(spec)


def chart(
    spec: images.Spec | derived.Chart,
    name: str,
    lang: str,
    *,
    title: str | None = None,
    period: str | None = None,
    **show: Any,
) -> Any:
    """Show a chart (Altair object, Vega-Lite dict or one built once for every session,
    `derived.chart`) with PNG and SVG downloads under it;
    returns what Streamlit's chart call returns (the selection event, for the heatmap).
    The files carry `title` and `period` above the chart (`images.chart_title`); the page
    shows them in its own heading instead. In meeting mode the chart on screen is scaled
    for the room (`charts.sizes`); the downloads keep the desk size."""
    heading = title if period is None or title is None else images.chart_title(title, period, lang)
    if meeting.on():
        event = st.vega_lite_chart(spec=sizes.scaled(_plain(spec), sizes.MEETING), **show)
    else:  # an Altair chart as st.altair_chart would send it, without the schema check
        event = st.vega_lite_chart(spec=_shown(spec), **show)
    with st.popover(t("download.chart", lang), icon=":material/download:"):
        for suffix, render, mime in (
            ("png", images.png, "image/png"),
            ("svg", images.svg, "image/svg+xml"),
        ):
            st.download_button(
                suffix.upper(),
                data=lambda render=render: render(_plain(spec), title=heading),
                file_name=f"{name}.{suffix}",
                mime=mime,
                key=f"download_{name}_{suffix}",
                on_click="ignore",  # no rerun: it would race the file request
                width="stretch",
            )
    return event


def report_name(period: str, lang: str) -> str:
    """What a report of `period` is called, by its grain: 月报, 季报, 半年报, 年报, 年初至今报告."""
    return t(f"download.report_{grain_of(period)}", lang)


def reports(
    history: Scorecard,
    period: str,
    lang: str,
    settings: Settings,
    *,
    expected_departments: list[str],
    department: str | None = None,
) -> None:
    """The period's leadership workbook and one-page PDF, for the organisation or one
    department, and for the organisation the meeting deck: the same files the CLI's
    `report` command writes. The buttons name the report by the period's grain
    (`report_name`)."""
    stem = f"KPI_{department}_{period}" if department else f"KPI_{period}"
    noted = notes.stored()  # the KPIs' notes, in the workbook and the PDF
    named = report_name(period, lang)
    files: list[tuple[str, Callable[[], bytes], str, str]] = [
        (
            "xlsx",
            lambda: _writer("xlsx").report_xlsx(
                history,
                period,
                department=department,
                lang=lang,
                settings=settings,
                actions=data.actions(),
                notes=noted,
            ),
            XLSX,
            ":material/table_view:",
        ),
        (
            "pdf",
            lambda: _writer("pdf").report_pdf(
                history,
                period,
                department=department,
                lang=lang,
                settings=settings,
                expected_departments=expected_departments,
                actions=data.actions(),
                notes=noted,
            ),
            "application/pdf",
            ":material/picture_as_pdf:",
        ),
    ]
    if department is None:  # the deck covers every department: the organisation's only
        files.append(
            (
                "pptx",
                lambda: _writer("deck").report_pptx(
                    history,
                    period,
                    lang=lang,
                    settings=settings,
                    expected_departments=expected_departments,
                ),
                PPTX,
                ":material/slideshow:",
            )
        )
    for column, (suffix, make, mime, icon) in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            t(f"download.{suffix}_report", lang, report=named),
            data=make,
            file_name=f"{stem}.{suffix}",
            mime=mime,
            icon=icon,
            key=f"download_report_{suffix}",
            on_click="ignore",  # no rerun: it would race the file request
            width="stretch",
        )


def whatif(
    comparison: Comparison,
    scenario: Scenario,
    settings: Settings,
    *,
    lang: str,
    period: str | None,
    ranges: pd.DataFrame,
) -> None:
    """The What-if comparison, weights, KPI edits and rank ranges as a workbook
    (`reports.whatif`)."""
    st.download_button(
        t("whatif.export", lang),
        data=lambda: _writer("whatif").whatif_xlsx(
            comparison, scenario, settings, lang=lang, period=period, ranges=ranges
        ),
        file_name=f"whatif_{period}.xlsx",
        mime=XLSX,
        on_click="ignore",  # no rerun: it would race the file request
        icon=":material/download:",
    )


def actions(frame: pd.DataFrame, lang: str, settings: Settings, *, on: date) -> None:
    """The Actions page's list (as filtered) as a workbook (`reports.xlsx.actions_xlsx`)."""
    st.download_button(
        t("actions.download", lang),
        data=lambda: _writer("xlsx").actions_xlsx(frame, lang, settings, on=on),
        file_name="actions.xlsx",
        mime=XLSX,
        icon=":material/download:",
        key="actions_download",
        on_click="ignore",  # no rerun: it would race the file request
    )
