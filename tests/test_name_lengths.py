"""A department, KPI, unit or owner name is at most `KPI_MAX_TEXT` (255) characters: a
longer one is a row error naming its cell. A cell longer than Excel allows (32,767) is
cut when read (python-calamine cuts .xlsx cells itself; the engine cuts the others, with a
warning), and a long value is never copied whole into a report."""

from __future__ import annotations

import pytest

from kpi_engine import Limits
from tests.ods import ods, row
from tests.workbooks import HEADER, form, load, xlsx

ROW = ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]


def with_columns(**cells: object) -> bytes:
    """One KPI row with extra columns (单位, 负责人) and cells replaced by header."""
    header = [*HEADER, "单位", "负责人"]
    row = dict(zip(header, [*ROW, "万元", "张三"], strict=True))
    row.update(cells)
    return xlsx([["2026年10月 市场部 KPI 考核表"], [], header, [row[h] for h in header]])


def errors(loaded) -> list[tuple[str, str]]:
    issues = loaded.errors
    return list(zip(issues["column"], issues["code"], strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("header", ["部门", "指标名称", "指标编号", "单位", "负责人"])
def test_a_name_of_255_characters_is_accepted_and_256_is_a_row_error(header):
    assert load(("ok.xlsx", with_columns(**{header: "部" * 255}))).rows_accepted == 1
    loaded = load(("long.xlsx", with_columns(**{header: "部" * 256})))
    assert errors(loaded) == [(header, "text_too_long")]
    issue = loaded.errors.iloc[0]
    assert issue["row"] == 4 and "255" in issue["message"]
    assert loaded.rows_accepted == 0


def test_a_partner_name_over_the_limit_is_a_row_error():
    data = xlsx([*form(ROW)[:2], [*HEADER, "协同部门"], [*ROW, "财务部、" + "部" * 300]])
    assert errors(load(("p.xlsx", data))) == [("协同部门", "text_too_long")]


@pytest.mark.slow
def test_the_limit_is_a_setting(monkeypatch):
    data = with_columns(指标名称="营业收入同比增长率")
    assert errors(load(("a.xlsx", data), limits=Limits(max_text=5))) == [
        ("指标名称", "text_too_long")
    ]
    monkeypatch.setenv("KPI_MAX_TEXT", "5")
    assert errors(load(("a.xlsx", data))) == [("指标名称", "text_too_long")]


def test_a_department_name_from_the_title_is_held_to_the_limit_too():
    title = "2026年10月 " + "市" * 300 + "部 KPI 考核表"
    data = xlsx(form(["", "财务", "M1", "营收", "越高越好", 1, 100, 90], title=title))
    assert errors(load(("t.xlsx", data))) == [("部门", "text_too_long")]


@pytest.mark.slow
def test_a_ten_megabyte_cell_is_cut_when_read_and_shown_short():
    huge = "部" * 10_000_000
    data = xlsx([*form()[:2], [*HEADER, "备注"], [huge, *ROW[1:], huge]])
    loaded = load(("huge.xlsx", data))
    assert errors(loaded) == [("部门", "text_too_long")]
    value = loaded.errors.iloc[0]["value"]
    assert len(value) <= 201 and value.endswith("…")


def test_a_csv_field_over_the_csv_modules_limit_is_a_file_error():
    huge = "部" * 200_000
    data = f"期间,部门,指标名称,维度,方向,权重,目标值,实际值\n2026-10,{huge},营收,财务,越高越好,1,100,90\n"
    loaded = load(("huge.csv", data.encode()), ("ok.xlsx", with_columns()))
    assert errors(loaded) == [(None, "csv_unreadable")]
    assert list(loaded.kpis["file"]) == ["ok.xlsx"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["csv", "ods"])
def test_a_note_longer_than_excel_allows_is_cut_with_a_warning(kind):
    note = "说明" * 20_000  # 40,000 characters, more than Excel's 32,767
    rows = [[*HEADER, "备注", "期间"], [*ROW, note, "2026-10"]]
    if kind == "csv":
        data = "\n".join(",".join(map(str, r)) for r in rows).encode()
    else:
        data = ods({"市场部": [row(r) for r in rows]})
    loaded = load((f"n.{kind}", data))
    assert loaded.errors.empty and list(loaded.warnings["code"]) == ["text_cut"]
    assert "1 cells" in loaded.warnings.iloc[0]["message"]
    assert loaded.kpis.iloc[0]["extras"]["备注"] == note[:32_767]


def _sheet_xml(cells: list[str]) -> bytes:
    body = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is>{text}</is></c></row>'
        for i, text in enumerate(cells, 1)
    )
    return f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()


@pytest.mark.parametrize("at", [0, 1_500, 2_999])
def test_an_over_long_cell_among_many_short_ones_is_measured(at):
    """A sheet larger than Excel's cell limit whose cells are all short needs no cell
    looked at; one cell of 40,000 characters anywhere among them (at the start, in the
    middle, last; in one piece or in rich-text runs) is found."""
    from kpi_engine.ingest.workbook import _may_hold_long_text

    short = ["<t>KPI</t>"] * 3_000
    assert not _may_hold_long_text(_sheet_xml(short), b"c")
    for long in ("<t>" + "x" * 40_000 + "</t>", ("<r><t>" + "y" * 20_000 + "</t></r>") * 2):
        cells = short.copy()
        cells[at] = long
        assert _may_hold_long_text(_sheet_xml(cells), b"c")
