"""A cell showing an Excel error (`#DIV/0!`, `#N/A`, `#REF!`...) is not a missing value: a
formula broke, and its row is reported with the error seen (SPEC §2)."""

import pytest

from kpi_engine.ingest.workbook import read_workbook
from tests.workbooks import HEADER, form, load, with_formulas, xlsx

GOOD = ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]
ERRORS = ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]


def errors_of(loaded):
    return loaded.errors[["row", "column", "value", "code"]].values.tolist()


@pytest.mark.slow
@pytest.mark.parametrize("error", ERRORS)
def test_an_error_in_the_actual_rejects_the_row_naming_the_error(error):
    rows = form(GOOD, ["市场部", "客户", "M2", "满意度", "越高越好", 1, 90, error])
    loaded = load(("m.xlsx", xlsx(rows)))
    assert errors_of(loaded) == [[5, "实际值", error, "excel_error"]]
    assert error in loaded.errors["message"].iloc[0]
    assert list(loaded.kpis["kpi_id"]) == ["M1"]  # the good row still loads
    assert loaded.rows_rejected == 1


@pytest.mark.slow
def test_error_types_newer_than_openpyxl_are_read_too():
    rows = form(GOOD, ["市场部", "客户", "M2", "满意度", "越高越好", 1, 90, "#SPILL!"])
    loaded = load(("m.xlsx", xlsx(rows, errors=["H5"])))
    assert errors_of(loaded) == [[5, "实际值", "#SPILL!", "excel_error"]]


def test_the_grid_holds_the_error_where_calamine_gives_an_empty_string():
    data = xlsx([["a", "#DIV/0!"], ["#N/A", 1]], more={"二": [[None, None], [None, "#REF!"]]})
    first, second = read_workbook("m.xlsx", data)
    assert first.cells == [["a", "#DIV/0!"], ["#N/A", 1]]
    assert second.cells[1][1] == "#REF!"


@pytest.mark.slow
def test_a_formula_whose_cached_value_is_an_error():
    rows = form(GOOD, ["市场部", "客户", "M2", "满意度", "越高越好", 1, 90, "#DIV/0!"])
    data = with_formulas(xlsx(rows), {"H5": "G5/0"})
    assert errors_of(load(("m.xlsx", data))) == [[5, "实际值", "#DIV/0!", "excel_error"]]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("index", "column"),
    [
        (0, "部门"),
        (1, "维度"),
        (2, "指标编号"),
        (3, "指标名称"),
        (4, "方向"),
        (5, "权重"),
        (6, "目标值"),
    ],
)
def test_an_error_in_any_column_read_names_that_column(index, column):
    bad = list(GOOD)
    bad[index] = "#REF!"
    loaded = load(("m.xlsx", xlsx(form(bad))))
    assert errors_of(loaded) == [[4, column, "#REF!", "excel_error"]]
    assert loaded.rows_accepted == 0


@pytest.mark.slow
def test_an_error_in_a_month_column_rejects_only_that_month():
    rows = [
        ["市场部 2026年"],
        ["指标名称", "维度", "目标值", "1月", "2月", "3月"],
        ["营收", "财务", 100, 90, "#DIV/0!", 95],
    ]
    loaded = load(("w.xlsx", xlsx(rows)))
    assert errors_of(loaded) == [[3, "2月", "#DIV/0!", "excel_error"]]
    assert list(loaded.kpis["period"]) == ["2026-01", "2026-03"]


def test_error_cells_on_a_later_sheet_are_placed_on_it():
    rows = form(["市场部", "客户", "M2", "满意度", "越高越好", 1, "#N/A", 85])
    data = xlsx([["说明"]], sheet="封面", more={"2026年10月": rows})
    loaded = load(("m.xlsx", data))
    assert errors_of(loaded) == [[4, "目标值", "#N/A", "excel_error"]]
    assert list(loaded.errors["sheet"]) == ["2026年10月"]


def test_csv_cells_that_say_an_excel_error_are_errors():
    lines = [
        ",".join(HEADER),
        "市场部,财务,M1,营收,越高越好,1,100,#DIV/0!",
        "市场部,客户,M2,满意度,越高越好,1,#N/A,85",
    ]
    loaded = load(("市场部_202610.csv", "\n".join(lines).encode()))
    assert errors_of(loaded) == [
        [2, "实际值", "#DIV/0!", "excel_error"],
        [3, "目标值", "#N/A", "excel_error"],
    ]


@pytest.mark.slow
def test_an_error_is_reported_once_not_also_as_a_bad_number():
    rows = form(["市场部", "财务", "M1", "营收", "越高越好", "#VALUE!", "#DIV/0!", "#N/A"])
    loaded = load(("m.xlsx", xlsx(rows)))
    assert set(loaded.errors["code"]) == {"excel_error"}
    assert sorted(loaded.errors["value"]) == ["#DIV/0!", "#N/A", "#VALUE!"]


@pytest.mark.slow
def test_a_total_row_whose_sum_broke_is_still_a_skipped_total():
    rows = form(GOOD, ["合计", None, None, None, None, "#REF!", None, "#REF!"])
    loaded = load(("m.xlsx", xlsx(rows)))
    assert loaded.errors.empty
    assert list(loaded.warnings["code"]) == ["total_row"]
