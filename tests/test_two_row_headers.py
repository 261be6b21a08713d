"""SPEC §5.11: a header of two rows, periods (merged or not) over 目标 / 实际 pairs, is a wide
layout with a target and an actual per period, and scores as the same data written long.
A two-row header the reader cannot use says why."""

import pandas as pd
import pytest

from kpi_engine import build
from tests.workbooks import load, xlsx

# (name, perspective, direction, weight, {period: (target, actual)}); one actual missing
KPIS = [
    ("营收", "财务", "越高越好", 40, {"2026-01": (100, 90), "2026-02": (110, 120)}),
    ("投诉率", "客户", "越低越好", 35, {"2026-01": (0.02, 0.015), "2026-02": (0.02, None)}),
    ("培训覆盖率", "学习与成长", "越高越好", 25, {"2026-01": (0.9, 0.95), "2026-02": (0.9, 0.8)}),
]
MONTHS = ["2026-01", "2026-02"]
COMPARED = ["kpi_name", "perspective", "direction", "weight", "period", "target", "actual"]


def long_layout(department: str) -> bytes:
    rows = [
        [department, name, perspective, direction, weight, month, *values[month]]
        for name, perspective, direction, weight, values in KPIS
        for month in MONTHS
    ]
    header = ["部门", "指标名称", "维度", "方向", "权重", "期间", "目标值", "实际值"]
    return xlsx([header, *rows])


def two_rows(
    definitions: list[str],
    periods: list[str],
    labels: tuple[str, str],
    *,
    title: str,
    merged: bool,
    repeated: bool = False,
    definitions_in: str = "top",
    actual_first: bool = False,
) -> bytes:
    """A two-row header: definition columns, then per period a target and an actual.

    `merged`: definitions merged down over both rows, periods merged over their pair;
    else a period is written once (or `repeated` over both of its columns) and the
    definitions stand in the row `definitions_in` only."""
    width = len(definitions)
    top, bottom = list(definitions), list(definitions)
    if not merged:
        blank = [None] * width
        top, bottom = (top, blank) if definitions_in == "top" else (blank, bottom)
    order = (1, 0) if actual_first else (0, 1)
    for period in periods:
        top += [period, period if (merged or repeated) else None]
        bottom += [labels[i] for i in order]
    data = [
        [name, perspective, direction, weight] + [values[m][i] for m in MONTHS for i in order]
        for name, perspective, direction, weight, values in KPIS
    ]
    merges = []
    if merged:
        merges = [f"{chr(65 + c)}2:{chr(65 + c)}3" for c in range(width)]
        merges += [f"{chr(65 + width + 2 * i)}2:{chr(66 + width + 2 * i)}2" for i in range(2)]
    return xlsx([[title], top, bottom, *data], merges=merges)


SIMPLIFIED = ["指标名称", "维度", "方向", "权重"]
TRADITIONAL = ["指標名稱", "維度", "方向", "權重"]
ENGLISH = ["KPI name", "Perspective", "Direction", "Weight"]
VARIANTS = {
    "merged, simplified, 2026年1月": (
        "市场部",
        two_rows(
            SIMPLIFIED, ["2026年1月", "2026年2月"], ("目标", "实际"), title="市场部 KPI 考核表",
            merged=True,
        ),
    ),
    "merged, 目标值 / 完成值, actual first, 1月 under a year title": (
        "市场部",
        two_rows(
            SIMPLIFIED, ["1月", "2月"], ("目标值", "完成值"), title="2026年 市场部 KPI 考核表",
            merged=True, actual_first=True,
        ),
    ),
    "written once, traditional": (
        "市場部",
        two_rows(
            TRADITIONAL, ["1月", "2月"], ("目標", "實際"), title="2026年 市場部 KPI 考核表",
            merged=False,
        ),
    ),
    "repeated, English, definitions in the label row": (
        "Marketing",
        two_rows(
            ENGLISH, ["2026-01", "2026-02"], ("target", "actual"),
            title="Marketing Department KPI", merged=False, repeated=True,
            definitions_in="bottom",
        ),
    ),
}  # fmt: skip


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_two_row_header_reads_as_the_same_data_in_long_layout(variant):
    department, workbook = VARIANTS[variant]
    wide = load(("wide.xlsx", workbook))
    long = load(("long.xlsx", long_layout(department)))
    assert wide.errors.empty, wide.errors["message"].tolist()
    assert not wide.issues["code"].isin(["second_column", "unknown_header"]).any()

    def rows(loaded):
        kpis = loaded.kpis
        assert set(kpis["department"]) == {department}
        return kpis[COMPARED].sort_values(["kpi_name", "period"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(rows(wide), rows(long))
    for period in [*MONTHS, "2026-Q1"]:
        pd.testing.assert_frame_equal(
            build(wide.kpis, period=period).departments,
            build(long.kpis, period=period).departments,
        )


def test_a_score_under_each_period_is_checked_against_that_periods_score():
    workbook = xlsx(
        [
            ["2026年 市场部 KPI 考核表"],
            ["指标名称", "维度", "权重", "1月", None, None, "2月", None, None],
            [None, None, None, "目标", "实际", "得分", "目标", "实际", "得分"],
            ["营收", "财务", 100, 100, 90, 90, 100, 110, 100],
        ],
        merges=["A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:I2"],
    )
    loaded = load(("m.xlsx", workbook))
    assert loaded.errors.empty
    assert list(loaded.kpis["period"]) == ["2026-01", "2026-02"]
    found = loaded.issues[loaded.issues["code"] == "own_score_differs"]
    assert len(found) == 1
    issue = found.iloc[0]
    assert (issue["row"], issue["column"], issue["value"]) == (4, "2月 得分", 100)
    assert issue["params"] == {"written": "100", "engine": "110", "cell": "I4"}


def test_a_title_merged_over_a_one_row_header_is_no_period_row():
    workbook = xlsx(
        [
            ["2026年10月"],
            ["部门", "维度", "指标名称", "方向", "权重", "目标值", "实际值"],
            ["市场部", "财务", "营收", "越高越好", 1, 100, 90],
        ],
        merges=["A1:G1"],
    )
    loaded = load(("m.xlsx", workbook))
    assert loaded.issues.empty
    assert list(loaded.kpis["period"]) == ["2026-10"]


def header_problem(top: list[object], bottom: list[object], *, title: str = "2026年 市场部"):
    loaded = load(("m.xlsx", xlsx([[title], top, bottom, ["营收", "财务", 100, 90, 100, 95]])))
    codes = set(loaded.issues["code"])
    assert "no_kpi_table" not in codes  # the cause is named instead
    return loaded, loaded.errors


def test_a_period_without_an_actual_under_it_is_named_and_the_others_load():
    loaded, errors = header_problem(
        ["指标名称", "维度", "1月", None, "2月", None],
        [None, None, "目标", "差异", "目标", "实际"],
    )
    assert errors.empty  # 2月 loads: the lost period is a warning
    found = loaded.issues[loaded.issues["code"] == "period_no_actual"]
    assert (found.iloc[0]["row"], found.iloc[0]["column"]) == (2, "1月")
    assert list(loaded.kpis["period"]) == ["2026-02"]


def test_a_sheet_whose_periods_all_lack_an_actual_is_refused_with_that_cause():
    _, errors = header_problem(
        ["指标名称", "维度", "1月", None, "2月", None],
        [None, None, "目标", "差异", "目标", "差异"],
    )
    assert list(errors["code"]) == ["period_no_actual"] * 2


def test_this_month_over_a_pair_is_the_sheets_period_and_a_cumulative_pair_is_kept_aside():
    loaded = load(
        (
            "m.xlsx",
            xlsx(
                [
                    ["2026年3月 市场部 KPI 考核表"],
                    ["指标名称", "维度", "本月", None, "本年累计", None],
                    [None, None, "目标", "实际", "目标", "实际"],
                    ["营收", "财务", 100, 90, 300, 280],
                ],
                merges=["A2:A3", "B2:B3", "C2:D2", "E2:F2"],
            ),
        )
    )
    assert loaded.errors.empty
    kpis = loaded.kpis
    assert (kpis["period"].tolist(), kpis["target"].tolist(), kpis["actual"].tolist()) == (
        ["2026-03"],
        [100],
        [90],
    )
    # the year-to-date pair is §5.2's cumulative target and actual: kept as written and
    # only checked (a period actual is scored), never a second target or actual
    assert kpis["extras"].iloc[0] == {"本年累计 目标": 300, "本年累计 实际": 280}
    assert not (loaded.issues["code"] == "second_column").any()


def test_a_period_the_reader_cannot_read_is_named():
    loaded, errors = header_problem(
        ["指标名称", "维度", "第一周", None, "第二周", None],
        [None, None, "目标", "实际", "目标", "实际"],
    )
    assert list(errors["code"]) == ["period_header_unread"] * 2
    assert list(errors["column"]) == ["第一周", "第二周"]
    assert "not a period" in errors.iloc[0]["message"]
    assert loaded.kpis.empty


def test_months_without_a_year_say_so():
    _, errors = header_problem(
        ["指标名称", "维度", "1月", None, "2月", None],
        [None, None, "目标", "实际", "目标", "实际"],
        title="市场部 KPI 考核表",
    )
    assert list(errors["code"]) == ["month_without_year"] * 2


def test_an_unknown_label_under_a_period_is_named_and_kept():
    loaded = load(
        (
            "m.xlsx",
            xlsx(
                [
                    ["2026年 市场部"],
                    ["指标名称", "维度", "1月", None, None],
                    [None, None, "目标", "实际", "预算"],
                    ["营收", "财务", 100, 90, 95],
                ],
                merges=["C2:E2"],
            ),
        )
    )
    found = loaded.issues[loaded.issues["code"] == "period_label_unknown"]
    assert (found.iloc[0]["row"], found.iloc[0]["column"]) == (3, "1月 预算")
    assert loaded.kpis["extras"].iloc[0] == {"1月 预算": 95}
    assert list(loaded.kpis["actual"]) == [90]
