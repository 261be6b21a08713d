"""CSV files in UTF-8 (with or without BOM) or GB18030/GBK, as Excel saves them."""

import pytest

from kpi_engine.ingest.workbook import read_workbook
from tests.workbooks import load, messages

CSV = '期间,部门,指标名称,维度,方向,权重,目标值,实际值\n2026-10,市场部,线上销售额,财务,越高越好,1,"1,200",85%\n'


@pytest.mark.slow
@pytest.mark.parametrize(
    "data",
    [
        CSV.encode("utf-8"),
        b"\xef\xbb\xbf" + CSV.encode("utf-8"),
        CSV.encode("gb18030"),
        CSV.encode("gbk"),
        CSV.encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16"],
)
def test_csv_encodings_are_detected(data):
    loaded = load(("市场部.csv", data))
    assert messages(loaded) == []
    kpi = loaded.kpis.iloc[0]
    assert kpi["kpi_name"] == "线上销售额"
    assert kpi["department"] == "市场部"
    assert kpi["target"] == 1200
    assert kpi["actual"] == 0.85


@pytest.mark.slow
def test_semicolon_separated_csv():
    data = CSV.replace(",", ";").replace('"1;200"', "1200").encode("utf-8")
    kpi = load(("m.csv", data)).kpis.iloc[0]
    assert kpi["target"] == 1200


TRADITIONAL = (
    "期間,部門,指標名稱,維度,方向,權重,目標值,實際值\n"
    '2026-10,財務部,營業收入,財務,越高越好,1,"1,200",85%\n'
)


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["big5", "cp950"])
def test_a_big5_csv_from_traditional_chinese_excel(encoding):
    loaded = load(("財務部.csv", TRADITIONAL.encode(encoding)))
    assert messages(loaded) == []
    kpi = loaded.kpis.iloc[0]
    assert (kpi["kpi_name"], kpi["department"], kpi["target"]) == ("營業收入", "財務部", 1200)


def test_a_shift_jis_csv_from_japanese_excel():
    text = "期間,部門,指標名称,目標値,実績\n2026-10,営業部,売上高,100,90\n"
    (sheet,) = read_workbook("営業部.csv", text.encode("cp932"))
    assert sheet.cells == [line.split(",") for line in text.splitlines()]
    issues = load(("営業部.csv", text.encode("cp932"))).issues
    assert {"目標値", "実績"} <= set(issues["column"])  # named as written, not garbled


def test_a_shift_jis_csv_with_headers_the_engine_does_not_know_is_still_read_right():
    text = "部署名,評価項目,目標,達成度\n営業部,新規顧客数,100,95\n"
    (sheet,) = read_workbook("jp.csv", text.encode("cp932"))
    assert sheet.cells[1][:2] == ["営業部", "新規顧客数"]


# Short GBK sheets are often valid Big5 bytes too: they must still read as GBK.
SHORT_GBK = [
    "指标名称,目标值,实际值\n营收,100,90\n",
    "部门,指标,目标,实际\n市场部,营收,100,90\n",
    "2026年10月 财务部 KPI\n指标名称,维度,目标值,实际值\n净利润,财务,100,95\n",
    "期间,部门,指标名称,维度,方向,权重,目标值,实际值\n2026-10,人力资源部,培训覆盖率,学习与成长,越高越好,1,90%,85%\n",
    "序号,考核指标,权重,目标,完成\n1,客户满意度,30%,95%,93%\n",
]


@pytest.mark.parametrize("text", SHORT_GBK)
def test_a_short_gbk_sheet_is_still_read_as_gbk(text):
    (sheet,) = read_workbook("gbk.csv", text.encode("gbk"))
    assert [c for row in sheet.cells for c in row] == [
        c for line in text.splitlines() for c in line.split(",")
    ]
