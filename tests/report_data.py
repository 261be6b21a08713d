"""Scored histories for the report tests: the committed sample company, and small
companies built in code (`tests.workbooks`), each built once per test session."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

from openpyxl import load_workbook

from kpi_engine import Scorecard, load_paths
from kpi_engine.core import insights
from tests.paths import SAMPLE_PATHS
from tests.workbooks import form, load, xlsx

SAMPLE_FILES = [str(p) for p in SAMPLE_PATHS]
SAMPLE_PERIOD = "2026-10"


def month_history(kpis) -> Scorecard:
    """Every month of the data and what each is compared with, as the app builds it."""
    labels = insights.comparison_labels(insights.period_labels(kpis, grain="month"))
    return insights.history(kpis, labels)


@cache
def sample_history() -> Scorecard:
    return month_history(load_paths(SAMPLE_FILES).kpis)


def as_text(data: bytes) -> bytes:
    """The workbook with cells openpyxl took for formulas (`=1+1`) stored as text, as
    Excel keeps a name typed with a leading apostrophe."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def forms(months: dict[str, Sequence[Sequence[object]]]) -> list[tuple[str, bytes]]:
    """One-sheet monthly forms, {'2026年9月 市场部': [kpi rows], ...} -> (name, bytes)."""
    return [
        (f"{title.replace(' ', '_')}.xlsx", as_text(xlsx(form(*rows, title=f"{title} KPI 考核表"))))
        for title, rows in months.items()
    ]


def company(months: dict[str, Sequence[Sequence[object]]]) -> Scorecard:
    """A history from one-sheet monthly forms (see `forms`)."""
    return month_history(load(*forms(months)).kpis)
