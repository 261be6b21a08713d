"""Download buttons: every chart as PNG and SVG, the period's report as Excel and PDF.

Each button gets a callable, so a file is made only when someone clicks (vl-convert and
the PDF writer take tens to hundreds of milliseconds); a rerun or a slider move never pays
for them. A click does not rerun the page (`on_click="ignore"`): with the rerun, the browser
tests now and then got no download at all, or an empty chart; the rerun re-registers
every button's callable while the click's file request is under way. The files come from `kpi_engine.images` and the report modules, the same code
`python -m kpi_engine report` runs.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.elements.vega_charts import _altair_globals_lock  # see _plain

from kpi_engine import Scorecard, Settings
from kpi_engine.i18n import t
from kpi_engine.reports import images
from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.xlsx import report_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(spec: images.Spec) -> dict[str, Any]:
    """The chart as a Vega-Lite dict, its data inline. Altair's data transformer is global
    to the process, and `st.altair_chart` in another session's thread switches it to one
    that moves the data out of the spec (an empty chart then); Streamlit holds this lock
    while it does, so converting under it is safe from any thread."""
    if isinstance(spec, dict):
        return spec
    with _altair_globals_lock:
        return spec.to_dict()


def chart(spec: images.Spec, name: str, lang: str, **show: Any) -> Any:
    """Show a chart (Altair object or Vega-Lite dict) with PNG and SVG downloads under it;
    returns what Streamlit's chart call returns (the selection event, for the heatmap)."""
    if isinstance(spec, dict):
        event = st.vega_lite_chart(spec=spec, **show)
    else:
        event = st.altair_chart(spec, **show)
    with st.popover(t("download.chart", lang), icon=":material/download:"):
        for suffix, render, mime in (
            ("png", images.png, "image/png"),
            ("svg", images.svg, "image/svg+xml"),
        ):
            st.download_button(
                suffix.upper(),
                data=lambda render=render: render(_plain(spec)),
                file_name=f"{name}.{suffix}",
                mime=mime,
                key=f"download_{name}_{suffix}",
                on_click="ignore",  # no rerun: it would race the file request
                width="stretch",
            )
    return event


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
    department: the same files the CLI's `report` command writes."""
    stem = f"KPI_{department}_{period}" if department else f"KPI_{period}"
    workbook, pdf = st.columns(2)
    workbook.download_button(
        t("download.xlsx", lang),
        data=lambda: report_xlsx(
            history, period, department=department, lang=lang, settings=settings
        ),
        file_name=f"{stem}.xlsx",
        mime=XLSX,
        icon=":material/table_view:",
        key="download_report_xlsx",
        on_click="ignore",  # no rerun: it would race the file request
        width="stretch",
    )
    pdf.download_button(
        t("download.pdf", lang),
        data=lambda: report_pdf(
            history,
            period,
            department=department,
            lang=lang,
            settings=settings,
            expected_departments=expected_departments,
        ),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="download_report_pdf",
        on_click="ignore",  # no rerun: it would race the file request
        width="stretch",
    )
