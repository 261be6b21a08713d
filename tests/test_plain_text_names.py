"""Names are plain text (issue 12): department, KPI, unit and partner names holding control
characters, XML non-characters, bidirectional overrides or zero-width characters are
refused at ingest with a row error naming the cell."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.workbooks import load, xlsx

HEADER = ["部门", "维度", "指标名称", "方向", "权重", "目标值", "实际值", "单位", "协同部门"]


def _sheet(department: str = "市场部", kpi: str = "收入", unit: str = "万元", partner=None):
    return [
        ["2026年10月 KPI 考核表"],
        HEADER,
        [department, "财务", kpi, "越高越好", 1, 100, 90, unit, partner],
        ["市场部", "客户", "满意度", "越高越好", 1, 90, 91, "%", None],
    ]


# U+FFFE is no XML character: openpyxl refuses to write it once lxml is installed, so the
# sheet is written with a mark and the character put into its XML bytes afterwards, as a
# careless writer would leave it.
NONCHAR, MARK = "\ufffe", "NONCHARACTER"


def _with_raw(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename).replace(MARK.encode(), NONCHAR.encode())
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("field", "text", "code_point", "column"),
    [
        ("department", "市场_x0001_部", "U+0001", "部门"),  # an Excel escape of a control char
        ("kpi", "收入\ufffe", "U+FFFE", "指标名称"),
        ("kpi", "\u202e入收", "U+202E", "指标名称"),  # right-to-left override
        ("department", "市场\u200b部", "U+200B", "部门"),  # zero-width space
        ("unit", "万元\u2066", "U+2066", "单位"),
        ("partner", "财务部\u200d", "U+200D", "协同部门"),
    ],
)
def test_a_name_with_an_invisible_character_is_a_row_error(field, text, code_point, column):
    loaded = load(("表.xlsx", _with_raw(xlsx(_sheet(**{field: text.replace(NONCHAR, MARK)})))))
    found = loaded.issues[loaded.issues["code"] == "unsafe_character"]
    assert len(found) == 1
    issue = found.iloc[0]
    assert (issue["row"], issue["column"], issue["severity"]) == (3, column, "error")
    assert code_point in issue["message"]
    assert loaded.rows_accepted == 1  # the other row still loads


def test_a_line_break_inside_a_name_is_a_space_not_an_error():
    loaded = load(("表.xlsx", xlsx(_sheet(kpi="客户\n满意度"))))
    assert loaded.rows_accepted == 2
    assert "客户 满意度" in set(loaded.kpis["kpi_name"])


def test_control_characters_in_a_csv_are_refused_too():
    text = "部门,维度,指标名称,期间,目标值,实际值\n市场部,财务,收\x07入,2026-10,100,90\n"
    loaded = load(("表.csv", text.encode("utf-8")))
    assert loaded.rows_accepted == 0
    assert loaded.issues["code"].eq("unsafe_character").any()
