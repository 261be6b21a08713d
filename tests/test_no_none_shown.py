"""Nothing reads `None`: a missing score, change or cell reads '—' (or the catalog's word
for a missing status) in every language, on every page, table, chart tooltip and report.

The data holds a department that reported no actual at all (every score, change and
actual of its month is missing) beside the sample company. What a person would see is
read from the app (texts, metrics, table cells as the grid draws them, the data each
chart's tooltips read), from the PDF as pdftotext gives it, and from every workbook cell.
"""

from __future__ import annotations

import io
import subprocess
from functools import cache

import pytest
from openpyxl import load_workbook

from kpi_engine.charts import specs as charts
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.i18n import LANGUAGES
from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.xlsx import report_xlsx
from tests.apps import PAGES, open_page, start
from tests.edge_company import NO_ACTUALS, filled_store, history, visit
from tests.shown import charts as shown_charts
from tests.shown import none_words, table_cells, texts, tooltip_texts

LANGS = list(LANGUAGES)
PERIOD = "2026-10"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return filled_store(tmp_path_factory.mktemp("none-store"))


@cache
def month_history():
    return history("month")


def readings(at) -> list[str]:
    """Everything the page shows that could read None, labelled with where it is."""
    found = [f"text: {x}" for x in none_words(texts(at))]
    found += [f"table {n}: {x}" for n, x in table_cells(at) if none_words([x])]
    for chart in shown_charts(at):
        found += [f"tooltip: {x}" for x in tooltip_texts(chart) if none_words([x])]
        for records in chart["datasets"].values():
            found += [
                f"chart data: {v}"
                for r in records
                for v in r.values()
                if isinstance(v, str) and none_words([v])
            ]
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_reads_none(monkeypatch, store, lang):
    at = start(monkeypatch, store, lang=lang)
    for page in PAGES:  # every department, the one without actuals among them
        open_page(at, page)
        assert not at.exception, [e.message for e in at.exception]
        assert readings(at) == [], page
    for page in PAGES:  # narrowed to it: its scorecard, its empty comparisons
        visit(at, page, NO_ACTUALS)
        assert not at.exception, [e.message for e in at.exception]
        assert readings(at) == [], (page, NO_ACTUALS)


def test_the_scan_sees_a_missing_cell_without_placeholder(monkeypatch, store):
    """The check reads cells as the grid draws them: a null without a placeholder is
    'None' on screen, and this scan says so."""
    at = visit(start(monkeypatch, store), "scorecard", NO_ACTUALS)
    tables = at.dataframe
    assert any(cell == "—" for _, cell in table_cells(at)), "missing scores read —"
    for table in tables:
        table.proto.ClearField("placeholder")
    assert any(cell == "None" for _, cell in table_cells(at))


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_drilldown_tooltips_read_dash_for_missing_cells(lang):
    """The heatmap's drill-down (a click away, so built here as the page builds it)."""
    scored = month_history()
    chart = charts.drilldown(
        scored.kpis, NO_ACTUALS, lang=lang, settings=DEFAULTS, period=PERIOD
    ).to_dict()
    shown = {"spec": chart, "datasets": chart["datasets"]}
    lines = list(tooltip_texts(shown))
    assert "—" in lines, "the missing actuals and scores read —"
    assert none_words(lines) == []


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("department", [None, NO_ACTUALS])
def test_reports_read_dash_or_leave_cells_empty(lang, department):
    scored = month_history()
    text = pdf_text(report_pdf(scored, PERIOD, department=department, lang=lang))
    assert none_words(text.split()) == []
    assert "—" in text
    book = load_workbook(io.BytesIO(report_xlsx(scored, PERIOD, department=department, lang=lang)))
    cells = [
        f"{sheet.title}!{cell.coordinate}: {cell.value}"
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and none_words([cell.value])
    ]
    assert cells == []
