"""Common form columns (`序号`, `项次`, `No.`, `备注`, `评分说明`...) are kept as extra fields
without a warning: every department's sheet has them, and they are no surprise (SPEC §2)."""

import pytest

from kpi_engine.ingest import aliases
from tests.workbooks import HEADER, load, xlsx

KPI = ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["序号"], ["备注"]),
        (["项次"], ["评分说明"]),
        (["No."], ["Remarks"]),
        (["#"], ["Comments"]),
        (["序號"], ["備註", "評分說明"]),  # 評分標準 is a scoring rule (SPEC §5.8)
        (["S/N"], ["Data source", "Formula"]),
        ([], ["得分", "完成率", "计算公式", "数据来源"]),
    ],
)
def test_form_columns_are_kept_without_a_warning(before, after):
    header = [*before, *HEADER, *after]
    extras = [f"x{i}" for i in range(len(before) + len(after))]
    kpi = [*extras[: len(before)], *KPI, *extras[len(before) :]]
    loaded = load(("m.xlsx", xlsx([["2026年10月 市场部 KPI 考核表"], header, kpi])))
    assert loaded.issues.empty, loaded.issues
    assert loaded.kpis.loc[0, "extras"] == dict(zip([*before, *after], extras, strict=True))


@pytest.mark.slow
def test_an_unknown_column_still_warns():
    header = ["序号", *HEADER, "跟进事项"]
    loaded = load(("m.xlsx", xlsx([["2026年10月"], header, [1, *KPI, "x"]])))
    assert list(loaded.warnings["column"]) == ["跟进事项"]


def test_no_form_column_word_is_a_kpi_field_header():
    """编号 and the like stay KPI id aliases: a known extra never shadows a field."""
    for word in aliases.KNOWN_EXTRA_HEADERS:
        assert aliases.column_for(word) is None, word
    assert aliases.column_for("编号") == "kpi_id"
