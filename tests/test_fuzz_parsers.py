"""Fuzzed cells, headers and whole workbooks: the parsers never raise, and every row the
engine rejects is named by file, sheet, row and column."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.core import periods
from kpi_engine.ingest import aliases, values
from tests.workbooks import load, xlsx

ANY_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["85%", "８５％", "(1,234)", "¥1,234.5", "3‰", "N/A", "—", "1e400", "#DIV/0!"]),
    st.dates(),
)


@pytest.mark.slow
@settings(max_examples=200)
@given(st.lists(ANY_CELL, max_size=20))
def test_number_cells_parse_to_a_value_or_a_flag(cells):
    parsed = values.parse_numbers(pd.Series(cells, dtype=object))
    assert len(parsed) == len(cells)
    finite = parsed["value"].dropna()
    assert finite.map(math.isfinite).all()
    assert not (parsed["bad"] & parsed["value"].notna()).any()


@pytest.mark.slow
@settings(max_examples=200)
@given(ANY_CELL, st.one_of(st.none(), st.integers(1990, 2100)))
def test_period_cells_are_a_month_label_or_none(cell, year):
    period = periods.parse_period(cell, year=year)
    assert period is None or periods.is_month(period)
    if isinstance(cell, str):
        for found in (periods.find_period(cell), periods.find_year(cell)):
            assert found is None or isinstance(found, (str, int))


HEADER_WORDS = sorted({w for words in aliases.COLUMN_ALIASES.values() for w in words})


@pytest.mark.slow
@settings(max_examples=200)
@given(st.one_of(st.sampled_from(HEADER_WORDS), st.text(max_size=15)), st.text(max_size=4))
def test_header_spellings_match_through_case_width_and_punctuation(word, noise):
    assert aliases.column_for(word + noise) in (None, *aliases.COLUMN_ALIASES)
    if word in HEADER_WORDS:
        assert aliases.column_for(f" {word.upper()}：") == aliases.column_for(word)


# -- whole workbooks ---------------------------------------------------------------------

HEADERS = {
    "kpi_name": ["指标名称", "指標名稱", "KPI name"],
    "department": ["部门", "部門", "Department"],
    "perspective": ["维度", "構面", "Perspective"],
    "direction": ["方向", "指標極性", "polarity"],
    "weight": ["权重", "權重", "Weight"],
    "target": ["目标值", "目標值", "Target"],
    "actual": ["实际值", "實際值", "Actual"],
    "period": ["期间", "期間", "Month"],
    "threshold": ["门槛值", "門檻值", "threshold"],
}
# Text an .xlsx can hold (no control characters), numbers Excel can store.
SHEET_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
WORKBOOK_CELL = st.one_of(
    ANY_CELL.filter(
        lambda c: not isinstance(c, (str, float)) or (isinstance(c, float) and math.isfinite(c))
    ),
    SHEET_TEXT,
    st.sampled_from(["市场部", "財務", "customer", "越低越好", "↑", "2026-10", "合计", "备注:x"]),
    st.sampled_from(["=1/0", "=SUM(A1:A3)", "'", "   ", "\u200b", "𠮷", "1" * 40]),
)


@st.composite
def workbooks(draw) -> tuple[bytes, list[str]]:
    fields = draw(st.lists(st.sampled_from(sorted(HEADERS)), min_size=1, unique=True))
    if "kpi_name" not in fields:
        fields.append("kpi_name")
    header = [draw(st.sampled_from(HEADERS[f])) for f in fields]
    header += draw(st.lists(SHEET_TEXT, max_size=2))  # unknown columns
    rows = draw(st.lists(st.lists(WORKBOOK_CELL, max_size=len(header)), max_size=8))
    title = draw(st.sampled_from(["2026年10月 市场部 KPI", "", "Oct 2026 Sales Department"]))
    merges = draw(st.lists(st.sampled_from(["A4:A6", "B4:C4", "A1:D1"]), max_size=2, unique=True))
    return xlsx([[title], [], header, *rows], merges=merges), header


@pytest.mark.slow
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(workbooks())
def test_a_generated_workbook_loads_or_reports_every_rejection_by_its_cell(book):
    data, _ = book
    loaded = load(("fuzz.xlsx", data))
    errors = loaded.errors
    per_row = errors[errors["row"].notna()]
    assert per_row[["file", "sheet", "row", "column"]].notna().all().all(), per_row
    assert (per_row["row"] >= 1).all()
    assert loaded.rows_rejected <= len(per_row)
    assert loaded.kpis["period"].map(periods.is_month).all()
