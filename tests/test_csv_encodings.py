"""CSV files in UTF-8 (with or without BOM) or GB18030/GBK, as Excel saves them."""

import pytest

from tests.workbooks import load, messages

CSV = '期间,部门,指标名称,维度,方向,权重,目标值,实际值\n2026-10,市场部,线上销售额,财务,越高越好,1,"1,200",85%\n'


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


def test_semicolon_separated_csv():
    data = CSV.replace(",", ";").replace('"1;200"', "1200").encode("utf-8")
    kpi = load(("m.csv", data)).kpis.iloc[0]
    assert kpi["target"] == 1200
