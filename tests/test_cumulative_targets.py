"""Cumulative actuals and annual targets (SPEC §5.2, 累计 / 序时进度): year-to-date actuals
are scored against the target to date and take their value at a quarter's end, annual
targets are prorated, and a cumulative figure beside period actuals is checked."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_engine.core import insights, scorecard
from kpi_engine.ingest import aliases
from tests.commands import cli
from tests.workbooks import load, messages, xlsx

MONTHS = ("2026-01", "2026-02", "2026-03")
CUMULATIVE = (100, 210, 330)  # SPEC §5.2's example: annual target 1,200, a sum KPI


def long_sheet(header: dict[str, str], rows: list[dict[str, object]]) -> bytes:
    """A long sheet of 市场部 with the columns `header` names (field -> header as written)."""
    base = {"department": "部门", "perspective": "维度", "kpi_name": "指标名称"}
    columns = {**base, "weight": "权重", **header}
    filled = [{"department": "市场部", "perspective": "财务", "weight": 30, **r} for r in rows]
    return xlsx([list(columns.values()), *[[r.get(c) for c in columns] for r in filled]])


def example_rows() -> list[dict[str, object]]:
    return [
        {"kpi_name": "营业收入", "aggregation": "求和", "period": m, "annual": 1200, "ytd": v}
        for m, v in zip(MONTHS, CUMULATIVE, strict=True)
    ]


EXAMPLE_HEADER = {
    "aggregation": "汇总方式",
    "period": "期间",
    "annual": "年度目标",
    "ytd": "累计完成",
}


def by_period(loaded) -> dict[str, dict[str, object]]:
    return {r["period"]: r for r in loaded.kpis.to_dict("records")}


def score(kpis, period: str) -> float:
    (value,) = scorecard.build(kpis, period=period).kpis["score"]
    return value


def test_worked_example_scores_110_in_march_and_q1_without_a_red_streak():
    loaded = load(("经营指标.xlsx", long_sheet(EXAMPLE_HEADER, example_rows())))
    assert messages(loaded) == []
    rows = by_period(loaded)
    # 序时进度: 1,200 × months elapsed / 12
    assert [rows[m]["target"] for m in MONTHS] == pytest.approx([100, 200, 300])
    assert score(loaded.kpis, "2026-03") == pytest.approx(330 / 300 * 100)
    # the quarter takes the value at its end (not the sum 640 against 600)
    q1 = scorecard.build(loaded.kpis, period="2026-Q1").kpis.iloc[0]
    assert (q1["actual"], q1["target"]) == pytest.approx((330, 300))
    assert q1["score"] == pytest.approx(110)
    history = insights.history(loaded.kpis, list(MONTHS))
    assert set(history.kpis["status"]) == {"green"}
    early = insights.warnings(history, "2026-03")
    assert "red_streak" not in set(early["kind"])
    warned = loaded.warnings.set_index("code")
    # each rule named once for the sheet, with the rows it applied to
    assert warned.loc["cumulative_actual", "params"]["count"] == 3
    assert warned.loc["cumulative_actual", "column"] == "累计完成"
    assert warned.loc["annual_target_derived", "params"]["count"] == 3
    # the written aggregation (sum) prorated the target; the KPI then aggregates as last
    assert set(loaded.kpis["aggregation"]) == {"last"}
    assert rows["2026-03"]["extras"] == {"年度目标": 1200}


def test_wide_sheet_of_cumulative_months():
    header = [
        "指标名称",
        "维度",
        "权重",
        "汇总方式",
        "年度目标",
        "1月累计",
        "1-2月累计",
        "1～3月累計",
    ]
    data = xlsx(
        [
            ["2026年 市场部 经营指标完成情况"],
            header,
            ["营业收入", "财务", 60, "求和", 1200, *CUMULATIVE],
            ["毛利率", "财务", 40, "平均", 0.3, 0.27, 0.3, 0.33],
        ]
    )
    loaded = load(("市场部.xlsx", data))
    assert messages(loaded) == []
    kpis = loaded.kpis.set_index(["kpi_name", "period"])
    assert kpis.loc[("营业收入", "2026-02"), "target"] == pytest.approx(200)
    # an avg KPI's target is the annual target itself, whatever the month
    assert kpis.xs("毛利率")["target"].tolist() == pytest.approx([0.3] * 3)
    q1 = scorecard.build(loaded.kpis, period="2026-Q1").kpis.set_index("kpi_name")
    assert q1.loc["营业收入", "score"] == pytest.approx(110)
    assert q1.loc["毛利率", "actual"] == pytest.approx(0.33)  # the value at the quarter's end


def monthly_form(month: int, period_actual: float, cumulative: float) -> tuple[str, bytes]:
    title = f"2026年{month}月 市场部 KPI 考核表"
    header = ["指标名称", "维度", "权重", "汇总方式", "年度目标", "本月完成", "本年累计"]
    row = ["营业收入", "财务", 100, "求和", 1200, period_actual, cumulative]
    return f"市场部_{month}月.xlsx", xlsx([[title], [], header, row])


@pytest.mark.parametrize(("off", "warned"), [(0.006, True), (0.004, False), (0.0, False)])
def test_monthly_forms_score_the_period_actual_and_check_the_cumulative(off, warned):
    months = [110, 95, 130]
    total = sum(months)
    march_cumulative = total * (1 + off)
    files = [
        monthly_form(1, months[0], months[0]),
        monthly_form(2, months[1], months[0] + months[1]),
        monthly_form(3, months[2], march_cumulative),
    ]
    loaded = load(*files)
    rows = by_period(loaded)
    # the period actual is scored against the period's share of the annual target
    assert [rows[m]["actual"] for m in MONTHS] == months
    assert [rows[m]["target"] for m in MONTHS] == pytest.approx([100] * 3)
    assert set(loaded.kpis["aggregation"]) == {"sum"}
    q1 = scorecard.build(loaded.kpis, period="2026-Q1").kpis.iloc[0]
    assert (q1["actual"], q1["target"]) == pytest.approx((total, 300))
    mismatches = loaded.warnings[loaded.warnings["code"] == "cumulative_mismatch"]
    assert len(mismatches) == int(warned)
    if warned:
        (issue,) = mismatches.to_dict("records")
        assert (issue["file"], issue["row"], issue["column"]) == ("市场部_3月.xlsx", 4, "本年累计")
        assert issue["value"] == pytest.approx(march_cumulative)
        assert f"{march_cumulative:,.10g}" in issue["message"]
        assert f"({total:,})" in issue["message"]


def test_a_form_with_month_and_cumulative_targets_and_actuals_scores_the_month():
    header = [
        "指标名称",
        "维度",
        "权重",
        "汇总方式",
        "本月目标",
        "本月完成",
        "累计目标",
        "累计完成",
    ]
    row = ["营业收入", "财务", 100, "求和", 120, 132, 300, 330]
    loaded = load(("市场部.xlsx", xlsx([["2026年3月 市场部 KPI 考核表"], header, row])))
    assert messages(loaded) == []
    (kpi,) = loaded.kpis.to_dict("records")
    assert (kpi["actual"], kpi["target"], kpi["aggregation"]) == (132, 120, "sum")
    assert kpi["extras"] == {"累计目标": 300, "累计完成": 330}


def test_no_check_of_a_rate_whose_year_to_date_is_no_sum():
    header = ["指标名称", "维度", "权重", "汇总方式", "年度目标", "本月完成", "本年累计"]
    files = [
        (
            f"{m}.xlsx",
            xlsx([[f"2026年{m}月 市场部 KPI"], header, ["毛利率", "财务", 1, "平均", 0.3, a, a]]),
        )
        for m, a in ((1, 0.3), (2, 0.32))
    ]
    loaded = load(*files)
    assert by_period(loaded)["2026-02"]["target"] == pytest.approx(0.3)
    assert not (loaded.warnings["code"] == "cumulative_mismatch").any()


def test_no_check_without_the_earlier_months():
    """March alone: January and February may be in the store already, so ingest does not
    compare March's cumulative figure with March alone."""
    loaded = load(monthly_form(3, 120, 999))
    assert not (loaded.warnings["code"] == "cumulative_mismatch").any()
    assert by_period(loaded)["2026-03"]["extras"] == {"年度目标": 1200, "本年累计": 999}


def test_wide_sheet_with_a_cumulative_column_checks_it_against_its_months():
    header = [
        "指标名称",
        "维度",
        "权重",
        "汇总方式",
        "目标值",
        "1月",
        "2月",
        "3月",
        "4月",
        "本年累计",
    ]
    data = xlsx(
        [
            ["2026年 市场部 经营指标"],
            header,
            ["营业收入", "财务", 50, "求和", 100, 100, 110, 120, None, 333],  # 330 + 0.9 %
            ["费用", "财务", 50, "求和", 100, 100, 110, 120, None, 331],  # 330 + 0.3 %
        ]
    )
    loaded = load(("市场部.xlsx", data))
    (issue,) = loaded.warnings[loaded.warnings["code"] == "cumulative_mismatch"].to_dict("records")
    assert (issue["row"], issue["column"], issue["value"]) == (3, "本年累计", 333)
    assert "2026-01..2026-03" in issue["message"]


def test_a_cumulative_target_column_is_used_as_given():
    header = {**EXAMPLE_HEADER, "ytd_target": "序时目标"}
    rows = [{**r, "ytd_target": t} for r, t in zip(example_rows(), (90, 220, 330), strict=True)]
    loaded = load(("经营指标.xlsx", long_sheet(header, rows)))
    assert [by_period(loaded)[m]["target"] for m in MONTHS] == [90, 220, 330]
    assert not (loaded.warnings["code"] == "annual_target_derived").any()
    assert score(loaded.kpis, "2026-Q1") == pytest.approx(100)


def test_a_written_target_stands_beside_an_annual_one():
    header = {**EXAMPLE_HEADER, "target": "目标值"}
    rows = [{**r, "target": 250} for r in example_rows()]
    loaded = load(("经营指标.xlsx", long_sheet(header, rows)))
    assert [by_period(loaded)[m]["target"] for m in MONTHS] == [250] * 3
    assert by_period(loaded)["2026-01"]["extras"] == {"年度目标": 1200}


@pytest.mark.parametrize(("aggregation", "quarter_actual"), [("平均", 0.95), ("期末", 1.0)])
def test_avg_and_last_kpis_take_the_annual_target_itself(aggregation, quarter_actual):
    rows = [
        {"kpi_name": "客户满意度", "aggregation": aggregation, "period": m, "annual": 0.95, "a": a}
        for m, a in zip(MONTHS, (0.9, 0.95, 1.0), strict=True)
    ]
    header = {**EXAMPLE_HEADER, "a": "当月实际"}
    del header["ytd"]
    loaded = load(("客户.xlsx", long_sheet(header, rows)))
    assert [by_period(loaded)[m]["target"] for m in MONTHS] == pytest.approx([0.95] * 3)
    q1 = scorecard.build(loaded.kpis, period="2026-Q1").kpis.iloc[0]
    assert (q1["actual"], q1["target"]) == pytest.approx((quarter_actual, 0.95))


@pytest.mark.parametrize(
    ("annual", "cumulative", "period"),
    [
        ("Annual target", "YTD actual", "Period"),
        ("Full-year target", "Cumulative actual", "Month"),
        ("年度目標", "本年累計", "期間"),
        ("全年目標", "累計完成", "期間"),
    ],
)
def test_english_and_traditional_headers(annual, cumulative, period):
    header = {**EXAMPLE_HEADER, "annual": annual, "ytd": cumulative, "period": period}
    loaded = load(("kpi.xlsx", long_sheet(header, example_rows())))
    assert messages(loaded) == []
    assert score(loaded.kpis, "2026-Q1") == pytest.approx(110)


def test_headers_of_section_5_2_and_the_plain_ones_still_read():
    assert aliases.column_for("年度目标") == "target_annual"
    assert aliases.column_for("年度目标（万元）") == "target_annual"
    assert aliases.column_for("目标值") == "target"
    assert aliases.column_for("本月完成") == "actual"
    assert aliases.column_for("本月目标") == "target"
    assert aliases.column_for("當月實際") == "actual"
    assert aliases.column_for("累计实际") == "actual_ytd"
    assert aliases.column_for("YTD target") == "target_ytd"


def test_a_defined_monthly_target_is_scored_to_date_against_cumulative_actuals():
    definitions = xlsx(
        [
            ["部门", "维度", "指标编号", "指标名称", "权重", "汇总方式", "目标值"],
            ["市场部", "财务", "F1", "营业收入", 30, "求和", 100],
        ]
    )
    actuals = xlsx(
        [
            ["指标编号", "期间", "累计完成"],
            *[["F1", m, v] for m, v in zip(MONTHS, CUMULATIVE, strict=True)],
        ]
    )
    loaded = load(("定义.xlsx", definitions), ("市场部_累计.xlsx", actuals))
    assert messages(loaded) == []
    assert [by_period(loaded)[m]["target"] for m in MONTHS] == pytest.approx([100, 200, 300])
    assert score(loaded.kpis, "2026-Q1") == pytest.approx(110)
    warned = loaded.warnings.set_index("code")
    assert warned.loc["definition_target_to_date", "params"]["count"] == 3


def test_an_annual_target_in_a_definitions_sheet_is_named_not_used():
    definitions = xlsx(
        [["部门", "维度", "指标名称", "权重", "年度目标"], ["市场部", "财务", "营业收入", 30, 1200]]
    )
    loaded = load(("定义.xlsx", definitions))
    assert (loaded.warnings["code"] == "definition_annual_target").sum() == 1


@settings(max_examples=25)
@given(
    annual=st.floats(min_value=0.01, max_value=1e9, allow_nan=False),
    actuals=st.lists(st.integers(1, 1000), min_size=12, max_size=12),
)
def test_prorated_monthly_targets_of_a_sum_kpi_add_up_to_the_annual_target(annual, actuals):
    header = ["指标名称", "维度", "汇总方式", "年度目标", *[f"{m}月" for m in range(1, 13)]]
    data = xlsx([["2026年 市场部"], header, ["营业收入", "财务", "求和", annual, *actuals]])
    kpis = load(("市场部.xlsx", data)).kpis
    assert len(kpis) == 12
    assert kpis["target"].sum() == pytest.approx(annual, rel=1e-9)
    year = scorecard.build(kpis, period="2026-YTD").kpis.iloc[0]
    assert year["target"] == pytest.approx(annual, rel=1e-9)


@pytest.mark.slow
def test_cli_score_json_gives_the_worked_example(tmp_path):
    path = tmp_path / "经营指标.xlsx"
    path.write_bytes(long_sheet(EXAMPLE_HEADER, example_rows()))
    for option, period in (("--period", "2026-03"), ("--quarter", "2026-Q1")):
        done = cli("score", str(path), option, period, "--json", env={})
        assert done.returncode == 0, done.stderr
        (kpi,) = json.loads(done.stdout)["kpis"]
        assert (kpi["period"], kpi["actual"], kpi["target"]) == (period, 330, 300)
        assert kpi["score"] == pytest.approx(110)
        assert kpi["status"] == "green"
