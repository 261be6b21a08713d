"""Merged ranges cost bounded work: at most `KPI_MAX_MERGED` (10,000) per sheet, never
overlapping (Excel never saves that), clipped to the grid; filling them writes each cell
once at most. 60,000 merges in a 10 KB file took minutes of server CPU before."""

from __future__ import annotations

import pytest

from kpi_engine import Limits
from kpi_engine.ingest.workbook import read_workbook
from tests.test_hostile_bounds_2 import merges
from tests.test_merged_header_cells import HR_ROWS as ROWS
from tests.workbooks import load, xlsx


def only_error(loaded) -> tuple[str, str]:
    assert len(loaded.errors) == 1 and loaded.rows_accepted == 0
    issue = loaded.errors.iloc[0]
    return issue["code"], issue["message"]


@pytest.mark.slow
def test_more_merged_ranges_than_the_limit_is_a_file_error():
    data = xlsx(ROWS, merges=["A1:H1", "A3:A5", "B3:B4"])
    code, message = only_error(load(("hr.xlsx", data), limits=Limits(max_merged=2)))
    assert code == "too_many_merges" and "3 merged cell ranges" in message and "2" in message
    assert load(("hr.xlsx", data), limits=Limits(max_merged=3)).rows_accepted == 3


def test_the_limit_is_a_setting(monkeypatch):
    monkeypatch.setenv("KPI_MAX_MERGED", "2")
    data = xlsx(ROWS, merges=["A1:H1", "A3:A5", "B3:B4"])
    assert only_error(load(("hr.xlsx", data)))[0] == "too_many_merges"


@pytest.mark.slow
def test_sixty_thousand_merges_in_a_small_file_are_refused():
    data = merges(60_000)
    assert len(data) < 16_000
    code, message = only_error(load(("m.xlsx", data)))
    assert code == "too_many_merges" and "60000" in message


def test_overlapping_merges_are_refused():
    code, _ = only_error(load(("o.xlsx", merges(200, "A1:H4"))))
    assert code == "merges_overlap"


@pytest.mark.slow
def test_a_merge_reaching_past_the_grid_is_clipped_to_it():
    data = xlsx(ROWS, merges=["A3:A5000", "A1:ZZ1", "B3:B4"])
    (sheet,) = read_workbook("hr.xlsx", data)
    assert sorted(sheet.merged) == [(0, 0, 0, 7), (2, 0, 4, 0), (2, 1, 3, 1)]
    kpis = load(("hr.xlsx", data)).kpis
    assert list(kpis["department"]) == ["人力资源部"] * 3
