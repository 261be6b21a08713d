"""The leadership workbook: a summary sheet and a sheet per department, numbers stored as
numbers with formats, status fills, frozen headers, filters, text that stays text."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from kpi_engine.charts.palette import AMBER, BAND_TINTS, GREEN, RED
from kpi_engine.core import insights
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.settings import CONVERT
from kpi_engine.i18n import perspective_label, status_label, t
from kpi_engine.i18n.script import shown_name
from kpi_engine.reports.xlsx import report_xlsx, sheet_names
from tests.report_data import SAMPLE_PERIOD, company, sample_history

SOLID = {"green": GREEN, "amber": AMBER, "red": RED}


def rgb(cell) -> str:
    return cell.fill.start_color.rgb[-6:].lower()


@pytest.fixture(scope="module")
def book():
    return load_workbook(io.BytesIO(report_xlsx(sample_history(), SAMPLE_PERIOD)))


def test_sheets_are_the_summary_then_every_department(book):
    history = sample_history()
    departments = history.departments[history.departments["period"] == SAMPLE_PERIOD]
    assert book.sheetnames == ["组织汇总", *departments["department"]]
    assert "财务部" in book.sheetnames


def test_summary_sheet_values_formats_fills_and_filter(book):
    sheet = book["组织汇总"]
    view = insights.overview(sample_history(), SAMPLE_PERIOD)
    assert sheet["A1"].value == "全组织 KPI 报告 · 2026-10"
    assert [c.value for c in sheet[2]][:5] == ["全组织", "得分", "状态", "覆盖率", "较上期变化"]
    assert [c.value for c in sheet[2]][5:9] == [perspective_label(p) for p in PERSPECTIVES]
    assert sheet["B3"].value == pytest.approx(view.score)
    assert sheet["B3"].data_type == "n" and sheet["B3"].number_format == "0.0"
    assert sheet["D3"].number_format == "0%"
    assert sheet["E3"].value == pytest.approx(view.change)
    assert sheet["E3"].number_format == "+0.0;-0.0;0.0"
    status = "green" if view.score >= 100 else "amber" if view.score >= 80 else "red"
    assert sheet["C3"].value == status_label(status)
    assert rgb(sheet["C3"]) == SOLID[status][1:]
    assert rgb(sheet["B3"]) == BAND_TINTS[status][1:]
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == "A5:K12"  # up to the grade column
    assert sheet["J5"].value == "计权方式"
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert len(rows) == 7
    finance = next(r for r in rows if r[0] == "财务部")
    scores = sample_history().departments
    expected = scores[(scores["department"] == "财务部") & (scores["period"] == SAMPLE_PERIOD)]
    assert finance[1] == pytest.approx(expected["score"].iloc[0])
    assert (
        finance[9]
        == {"perspective": "维度权重", "department": "部门整体"}[expected["weighting"].iloc[0]]
    )


def test_department_sheet_lists_kpis_by_perspective_with_formats(book):
    sheet = book["财务部"]
    assert sheet["A1"].value == "财务部 KPI 报告 · 2026-10"
    assert [sheet.cell(row=r, column=1).value for r in range(3, 8)] == [
        "部门总分",
        *(perspective_label(p) for p in PERSPECTIVES),
    ]
    # 财务部's weights add up to 1 across the department: scored department-wide, so each
    # perspective weighs the sum of its KPI weights (its own and partners' shared KPIs)
    assert sheet["F3"].value == "部门整体"
    kpis = sample_history().kpis
    mine = kpis[(kpis["department"] == "财务部") & (kpis["period"] == SAMPLE_PERIOD)]
    sums = mine.groupby("perspective")["weight"].sum() / mine["weight"].sum()
    assert sheet["F4"].value == pytest.approx(sums["financial"])
    assert sheet["F4"].number_format == "0.0%"
    assert sheet.freeze_panes == "A10"
    header = [c.value for c in sheet[9]]
    assert header[:4] == ["维度", "指标编号", "指标", "实际值"]
    assert "部门内权重" in header and "得分" in header
    assert sheet.auto_filter.ref.startswith("A9:L")
    rows = list(sheet.iter_rows(min_row=10))
    assert len(rows) == len(mine)
    order = [perspective_label(p) for p in PERSPECTIVES]
    shown = [r[0].value for r in rows]
    assert shown == sorted(shown, key=order.index)  # grouped in scorecard order
    by_name = {r[2].value: r for r in rows}
    for kpi in mine.itertuples():
        row = by_name[shown_name(kpi.kpi_name, "zh-Hans", CONVERT)]  # one script (issue 16)
        if kpi.score == kpi.score:  # scored
            assert row[8].value == pytest.approx(kpi.score)
            assert row[8].number_format == "0.0"
            assert rgb(row[9]) == SOLID[kpi.status][1:]
        if kpi.unit == "%" and kpi.actual == kpi.actual:
            assert row[3].value == pytest.approx(kpi.actual)
            assert row[3].number_format == "0.0%"
    for r in rows:
        assert r[10].number_format == "0.0%"
    assert sum(r[10].value or 0 for r in rows) == pytest.approx(1.0)  # of the department


def test_formula_like_text_stays_text():
    history = company(
        {
            "2026年9月 市场部": [["市场部", "财务", "@M1", "=1+1", "越高越好", 1, 100, 90]],
            "2026年10月 市场部": [
                ["市场部", "财务", "@M1", "=1+1", "越高越好", 1, 100, 70],
                ["市场部", "客户", "-M2", "+增长", "越高越好", 1, 100, 120],
            ],
        }
    )
    book = load_workbook(io.BytesIO(report_xlsx(history, "2026-10")))
    rows = {row[2].value: row for row in book["市场部"].iter_rows(min_row=10)}
    assert set(rows) == {"=1+1", "+增长"}
    for name, kpi_id in (("=1+1", "@M1"), ("+增长", "-M2")):
        assert rows[name][2].data_type == "s"
        assert rows[name][1].value == kpi_id and rows[name][1].data_type == "s"
    assert rows["=1+1"][9].value == "预警"  # 70 is red
    assert rgb(rows["=1+1"][9]) == RED[1:]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "summary", "score"), [("en", "Summary", "Score"), ("zh-Hant", "組織匯總", "得分")]
)
def test_labels_in_the_users_language(lang, summary, score):
    book = load_workbook(io.BytesIO(report_xlsx(sample_history(), SAMPLE_PERIOD, lang=lang)))
    assert book.sheetnames[0] == summary
    assert book[summary]["B2"].value == score
    finance = shown_name("财务部", lang, CONVERT)  # 財務部 in traditional (issue 16)
    assert book[finance]["A3"].value == t("scorecard.department_score", lang)


def test_one_department_only():
    data = report_xlsx(sample_history(), SAMPLE_PERIOD, department="技术部")
    assert load_workbook(io.BytesIO(data)).sheetnames == ["组织汇总", "技术部"]


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(
        ["财务部", "R&D [old]: a/b\\c?*", "x" * 40, "X" * 40, "组织汇总", "'quoted'"],
        taken=["组织汇总"],
    )
    assert names[0] == "财务部"
    assert names[1] == "R&D _old__ a_b_c__"
    assert names[2] == "x" * 31 and names[3] == "X" * 27 + " (2)"  # Excel ignores case
    assert names[4] == "组织汇总 (2)"
    assert names[5] == "quoted"
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
