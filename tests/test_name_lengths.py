"""A department, KPI, unit or owner name is at most `KPI_MAX_TEXT` (255) characters: a
longer one is a row error naming its cell. A cell longer than Excel allows (32,767) is
cut when read (python-calamine cuts .xlsx cells itself; the engine cuts the others, with a
warning), and a long value is never copied whole into a report."""

from __future__ import annotations

import re

import pytest

from kpi_engine import Limits
from kpi_engine.ingest.workbook import read_workbook
from tests.ods import ods, row
from tests.test_hostile_files import replace_part
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
    """A workbook of one column of cells, each given as its XML (`<is>...</is>` inline
    text, or a formula's cached text)."""
    kinds = ["str" if "<f>" in cell else "inlineStr" for cell in cells]
    body = "".join(
        f'<row r="{i}"><c r="A{i}" t="{kind}">{cell}</c></row>'
        for i, (cell, kind) in enumerate(zip(cells, kinds, strict=True), 1)
    )
    return replace_part(
        xlsx([["x"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r"<sheetData>.*</sheetData>", f"<sheetData>{body}</sheetData>", xml),
    )


@pytest.mark.parametrize("scan", [True, False])
@pytest.mark.parametrize("at", [0, 1_500, 2_999])
def test_an_over_long_cell_among_many_short_ones_is_cut(at, scan):
    """Among 3,000 short cells, one of 40,000 characters anywhere (at the start, in the
    middle, last; in one piece, in rich-text runs, as a formula's cached text, none of
    which python-calamine cuts itself) is cut to Excel's length and counted, whether the
    sheet's XML was scanned for its grid (in process) or not (a reader child)."""
    short = ["<is><t>KPI</t></is>"] * 3_000
    assert read_workbook("s.xlsx", _sheet_xml(short), scan=scan)[0].cut == 0
    for long in (
        "<is><t>" + "x" * 40_000 + "</t></is>",
        ("<is>" + ("<r><t>" + "y" * 20_000 + "</t></r>") * 2) + "</is>",
        "<f>1</f><v>" + "z" * 40_000 + "</v>",
    ):
        cells = short.copy()
        cells[at] = long
        sheet = read_workbook("l.xlsx", _sheet_xml(cells), scan=scan)[0]
        assert sheet.cut == 1 and len(sheet.cells[at][0]) == 32_767
