"""A hidden or very hidden sheet is imported like the others, with a warning naming it: its
rows count although Excel does not show them, so nothing is scored unseen and unsaid."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.workbooks import form, load

ROW = ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]
OTHER = ["市场部", "客户", "M2", "满意度", "越高越好", 1, 0.9, 0.92]


def workbook(state: str) -> bytes:
    book = Workbook()
    book.active.title = "可见"
    for row in form(ROW):
        book.active.append(row)
    hidden = book.create_sheet("隐藏")
    for row in form(OTHER):
        hidden.append(row)
    hidden.sheet_state = state
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("state", "code", "words"),
    [
        ("hidden", "hidden_sheet", "a hidden sheet"),
        ("veryHidden", "very_hidden_sheet", "very hidden"),
    ],
)
def test_a_hidden_sheet_is_imported_with_a_warning_naming_it(state, code, words):
    loaded = load(("m.xlsx", workbook(state)))
    assert sorted(loaded.kpis["kpi_id"]) == ["M1", "M2"]
    warnings = loaded.warnings
    assert list(zip(warnings["sheet"], warnings["code"], strict=True)) == [("隐藏", code)]
    assert words in warnings["message"].iloc[0]


def test_a_visible_sheet_says_nothing():
    loaded = load(("m.xlsx", workbook("visible")))
    assert loaded.issues.empty and loaded.rows_accepted == 2
