"""SPEC §5.8: a KPI whose 评分标准 states its rule is scored by that rule: points = full −
M × (shortfall / N) + M' × (excess / N'), clipped, and its score is 100 × points / full.
Full points from 分值 / 标准分 / 满分, else the weight, else 100. A rule the grammar does not
read is a warning naming its cell, and the KPI keeps §3's line."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine import build, score
from kpi_engine.cli.main import main
from kpi_engine.core.scoring import RULE
from tests.apps import open_page, start
from tests.kpi_rows import frame, kpi
from tests.store_files import Upload, fresh_store
from tests.workbooks import load, xlsx

NAN = float("nan")
TITLE = ["2026年10月 人力资源部 KPI 考核表"]
HEADER = ["维度", "指标名称", "方向", "权重", "目标值", "实际值", "评分标准"]
WORKED = ["内部流程", "招聘及时率", "越高越好", 20, "95%", "90%", "每低于目标1%扣2分，扣完为止"]


def sheet(*rows: list[object], header: list[str] = HEADER) -> bytes:
    return xlsx([TITLE, [], header, *rows])


def scored(**fields: object) -> dict[str, object]:
    """One KPI row scored: the row with method, score, status, points and full points."""
    return score(frame(kpi(**fields))).iloc[0].to_dict()


# -- the worked example -----------------------------------------------------------------------


def test_the_worked_example_through_a_workbook():
    loaded = load(("hr.xlsx", sheet(WORKED, ["客户", "满意度", "越高越好", 80, 90, 81, None])))
    assert loaded.errors.empty
    card = build(loaded.kpis, period="2026-10")
    rows = card.kpis.set_index("kpi_name")
    worked = rows.loc["招聘及时率"]
    assert (worked["method"], worked["points"], worked["full_points"]) == (RULE, 10, 20)
    assert worked["score"] == 50 and worked["status"] == "red"
    plain = rows.loc["满意度"]  # no rule: §3's line, no points
    assert plain["method"] == "floor" and plain["score"] == pytest.approx(90)
    assert math.isnan(plain["points"]) and math.isnan(plain["full_points"])
    # the department weighs the rule's score like any other (department-wide: 20 + 80)
    assert card.departments["score"].iloc[0] == pytest.approx((50 * 20 + 90 * 80) / 100)


def test_the_worked_example_in_the_cli_json(tmp_path, capsys):
    path = tmp_path / "人力资源部_2026年10月.xlsx"
    path.write_bytes(sheet(WORKED, ["客户", "满意度", "越高越好", 80, 90, 81, None]))
    assert main(["score", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    kpis = {k["kpi_name"]: k for k in doc["kpis"]}
    worked = kpis["招聘及时率"]
    assert worked["method"] == "rule"
    assert (worked["points"], worked["full_points"], worked["score"]) == (10, 20, 50)
    plain = kpis["满意度"]
    assert plain["method"] == "floor"
    assert plain["points"] is None and plain["full_points"] is None
    assert not [w for w in doc["warnings"] if "not understood" in w["message"]]
    # the rule applied is named, once for the sheet (SPEC §5)
    (named,) = [w for w in doc["warnings"] if "scored by their own scoring rule" in w["message"]]
    assert named["message"].startswith("1 rows") and named["column"] == "评分标准"


def test_four_and_a_half_percent_short_deducts_nine_points():
    row = scored(target=0.95, actual=0.905, weight=20, rule="每低于目标1%扣2分")
    assert row["points"] == pytest.approx(11)
    assert row["score"] == pytest.approx(55)


# -- units: percentage points, percent of the target, the KPI's own --------------------------


@pytest.mark.parametrize(
    ("fields", "points"),
    [
        # in percent: 1% and 1个百分点 are one percentage point, however 95 % is held
        ({"target": 0.95, "actual": 0.90}, 10),  # shares, as `95%` cells are read
        ({"target": 0.95, "actual": 0.90, "unit": "%"}, 10),
        ({"target": 95, "actual": 90, "unit": "%"}, 10),  # percent numbers under a % unit
        ({"target": 95, "actual": 90, "unit": "％"}, 10),
        # not in percent: 1% is 1 % of the target (200 万元: 2 万元 a step, 10 short: 5 steps)
        ({"target": 200, "actual": 190, "unit": "万元"}, 10),
        ({"target": 50, "actual": 45}, 0),  # 10 % of 50 short: 10 steps × 2 = 20, all of it
    ],
)
def test_percent_points_and_percent_of_the_target(fields, points):
    row = scored(weight=20, rule="每低于目标1%扣2分", **fields)
    assert row["points"] == pytest.approx(points)
    same = scored(weight=20, rule="每低于目标1个百分点扣2分", **fields)
    assert same["points"] == pytest.approx(points)


def test_a_step_in_the_kpis_own_unit():
    # 交付周期: 5 days planned, 8 taken: 3 days late, 1.5 points a day
    row = scored(
        target=5, actual=8, direction="lower", unit="天", weight=30, rule="每延迟1天扣1.5分"
    )
    assert (row["points"], row["score"]) == (pytest.approx(25.5), pytest.approx(85))
    # a step of 2: 3 days are 1.5 steps, proportionally
    row = scored(target=5, actual=8, unit="天", weight=30, rule="每超过目标2天扣1分")
    assert row["points"] == pytest.approx(28.5)


def test_the_verb_decides_what_is_measured_not_the_direction():
    # a lower-is-better KPI with a 低于 rule loses points below its target, none above
    below = scored(target=10, actual=8, direction="lower", weight=20, rule="每低于目标1次扣2分")
    above = scored(target=10, actual=12, direction="lower", weight=20, rule="每低于目标1次扣2分")
    assert below["points"] == pytest.approx(16) and above["points"] == pytest.approx(20)


def test_an_event_count_measures_the_actual_itself():
    # 3 accidents against a target of 1: 3 events, not 2 above the target
    row = scored(target=1, actual=3, direction="lower", unit="起", weight=20, rule="每发生1次扣5分")
    assert (row["points"], row["score"]) == (pytest.approx(5), pytest.approx(25))
    # no target needed; four events take more than the full points: 0
    bare = scored(target=NAN, actual=4, weight=15, rule="每发生一次扣5分")
    assert (bare["method"], bare["points"], bare["score"]) == (RULE, 0, 0)


def test_an_event_rule_needs_no_target_in_a_workbook():
    loaded = load(
        (
            "safety.xlsx",
            sheet(["内部流程", "安全事故", "越低越好", 20, None, 2, "每发生1次扣5分，扣完为止"]),
        )
    )
    assert loaded.errors.empty, loaded.errors["message"].tolist()
    row = build(loaded.kpis).kpis.iloc[0]
    assert (row["points"], row["score"]) == (10, 50)


def test_a_rule_measuring_from_the_target_needs_one():
    loaded = load(
        ("hr.xlsx", sheet(["内部流程", "招聘及时率", "越高越好", 20, None, "90%", WORKED[-1]]))
    )
    (error,) = loaded.errors.to_dict("records")
    assert (error["row"], error["column"]) == (4, "目标值")
    assert "target is missing" in error["message"]


def test_percent_of_a_zero_target_is_no_step():
    # 超支 in 万元 (not in percent): 1 % of a target of 0 is nothing to count in
    row = ["财务", "超支", "越低越好", 20, "0万元", 5, "每超过目标1%扣2分"]
    loaded = load(("cost.xlsx", sheet(row)))
    (error,) = loaded.errors.to_dict("records")
    assert error["code"] == "rule_zero_target"
    assert "target is 0" in error["message"]


# -- bonus clauses and limits -------------------------------------------------------------------


def test_a_bonus_clause_with_its_limit():
    # 8 % above target at 1 point a percent, at most 5: 50 + 5 of 50 full points
    row = scored(target=100, actual=108, full_points=50, rule="每超过目标1%加1分，最高加5分")
    assert (row["points"], row["score"]) == (pytest.approx(55), pytest.approx(110))
    same = scored(target=100, actual=108, full_points=50, rule="每超过目标1%加1分；加分上限5分")
    assert same["points"] == pytest.approx(55)
    # below target the bonus clause gives nothing and takes nothing
    short = scored(target=100, actual=90, full_points=50, rule="每超过目标1%加1分，最高加5分")
    assert short["points"] == pytest.approx(50)


def test_a_bonus_clause_without_a_limit_stops_only_at_the_cap():
    # 30 % above: 50 + 30 points would be a score of 160; the cap (120) is 60 points
    row = scored(target=100, actual=130, full_points=50, rule="每超过目标1%加1分")
    assert (row["points"], row["score"]) == (pytest.approx(60), pytest.approx(120))
    row = scored(target=100, actual=105, full_points=50, rule="每超过目标1%加1分")
    assert (row["points"], row["score"]) == (pytest.approx(55), pytest.approx(110))


def test_without_a_bonus_clause_points_stop_at_full():
    row = scored(target=0.95, actual=0.99, weight=20, rule="每低于目标1%扣2分")
    assert (row["points"], row["score"], row["status"]) == (20, 100, "green")


def test_at_most_x_points_deducted():
    # 10 points short at 2 a point is 20, at most 8: 20 − 8
    row = scored(target=0.95, actual=0.85, weight=20, rule="每低于目标1%扣2分，最多扣8分")
    assert (row["points"], row["score"]) == (pytest.approx(12), pytest.approx(60))


def test_deductions_and_bonuses_of_several_clauses_add_up():
    rule = "每延迟1天扣2分；每发生1次扣5分；最多扣30分"
    row = scored(target=5, actual=8, full_points=40, rule=rule)  # 3 days + 8 events
    assert row["points"] == pytest.approx(40 - 30)


# -- full points ------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["分值", "标准分", "满分"])
def test_full_points_from_the_points_column(header):
    loaded = load(("hr.xlsx", sheet([*WORKED, 40], header=[*HEADER, header])))
    row = build(loaded.kpis).kpis.iloc[0]
    # 40 full points, 10 taken: weight 20 plays no part
    assert (row["full_points"], row["points"], row["score"]) == (40, 30, 75)


@pytest.mark.parametrize("weight", [20, 0.2, "20%"])
def test_full_points_from_the_weight(weight):
    row = [*WORKED[:3], weight, *WORKED[4:]]
    loaded = load(("hr.xlsx", sheet(row)))
    scored_row = build(loaded.kpis).kpis.iloc[0]
    assert (scored_row["full_points"], scored_row["points"], scored_row["score"]) == (20, 10, 50)


def test_full_points_are_100_without_weight_or_points_column():
    header = [h for h in HEADER if h != "权重"]
    loaded = load(("hr.xlsx", sheet([*WORKED[:3], *WORKED[4:]], header=header)))
    row = build(loaded.kpis).kpis.iloc[0]
    assert (row["full_points"], row["points"], row["score"]) == (100, 90, 90)


# -- unread rules ---------------------------------------------------------------------------------


def test_an_unread_rule_is_a_warning_naming_the_cell_and_the_kpi_keeps_its_line():
    loaded = load(
        (
            "hr.xlsx",
            sheet(
                WORKED,
                [
                    "内部流程",
                    "培训完成率",
                    "越高越好",
                    20,
                    0.9,
                    0.81,
                    "每低于目标1%扣2分，另行考核",
                ],
            ),
        )
    )
    warnings = loaded.warnings[loaded.warnings["code"] == "rule_unread"]
    (issue,) = warnings.to_dict("records")
    assert (issue["file"], issue["row"], issue["column"]) == ("hr.xlsx", 5, "评分标准")
    assert issue["sheet"] == "Sheet1"
    assert issue["value"] == "每低于目标1%扣2分，另行考核"
    assert issue["params"]["part"] == "另行考核"
    assert "scored by its target line" in issue["message"] and "每发生1次扣5分" in issue["message"]
    rows = build(loaded.kpis).kpis.set_index("kpi_name")
    assert rows.loc["培训完成率", "method"] == "floor"
    assert rows.loc["培训完成率", "score"] == pytest.approx(90)  # 100 × 0.81 / 0.9
    assert rows.loc["招聘及时率", "method"] == RULE


def test_a_wide_sheet_names_an_unread_rule_once():
    header = ["维度", "指标名称", "方向", "权重", "目标值", "评分标准", "1月", "2月"]
    data = xlsx(
        [["2026年 人力资源部 KPI"], header, ["客户", "满意度", "越高越好", 20, 90, "酌情", 88, 86]]
    )
    loaded = load(("wide.xlsx", data))
    assert (loaded.warnings["code"] == "rule_unread").sum() == 1
    assert len(loaded.kpis) == 2


def test_rules_from_the_definitions_apply_to_the_monthly_rows():
    definitions = xlsx(
        [
            ["部门", "指标编号", "指标名称", "维度", "方向", "权重", "目标值", "评分标准"],
            ["人力资源部", "HR-1", "招聘及时率", "内部流程", "越高越好", 20, "95%", WORKED[-1]],
            ["人力资源部", "HR-2", "培训满意度", "客户", "越高越好", 20, 90, "领导酌情评分"],
        ],
        sheet="指标定义",
    )
    actuals = xlsx(
        [
            ["2026年10月 人力资源部 KPI 考核表"],
            ["指标编号", "实际值"],
            ["HR-1", "90%"],
            ["HR-2", 81],
        ]
    )
    loaded = load(("定义.xlsx", definitions), ("hr_10.xlsx", actuals))
    assert loaded.errors.empty, loaded.errors["message"].tolist()
    rows = build(loaded.kpis, period="2026-10").kpis.set_index("kpi_id")
    assert (rows.loc["HR-1", "method"], rows.loc["HR-1", "points"]) == (RULE, 10)
    assert rows.loc["HR-2", "method"] == "floor"
    # the unread rule is named once, at the definitions' cell, not on each monthly row
    (issue,) = loaded.warnings[loaded.warnings["code"] == "rule_unread"].to_dict("records")
    assert (issue["file"], issue["column"], issue["row"]) == ("定义.xlsx", "评分标准", 3)


# -- the sheet's own numbers (SPEC §5.10) ---------------------------------------------------------


@pytest.mark.parametrize(("column", "written"), [("得分", 50), ("得分", 10), ("加权得分", 10)])
def test_a_sheet_scored_by_its_own_rule_raises_no_false_warning(column, written):
    loaded = load(("hr.xlsx", sheet([*WORKED, written], header=[*HEADER, column])))
    own = loaded.warnings["code"].astype(str).str.startswith("own_")
    assert not own.any(), loaded.warnings.loc[own, "message"].tolist()


def test_a_wrong_score_beside_a_rule_still_warns_with_the_points():
    loaded = load(("hr.xlsx", sheet([*WORKED, 96.2], header=[*HEADER, "得分"])))
    (issue,) = loaded.warnings[loaded.warnings["code"] == "own_rule_score_differs"].to_dict(
        "records"
    )
    assert (issue["row"], issue["column"], issue["params"]["cell"]) == (4, "得分", "H4")
    assert issue["params"]["written"] == "96.2"
    assert (issue["params"]["points"], issue["params"]["full"], issue["params"]["engine"]) == (
        "10",
        "20",
        "50",
    )


# -- the Scorecard page ---------------------------------------------------------------------------


def test_the_scorecard_shows_the_rule_the_points_and_the_full_points(monkeypatch, tmp_path):
    data = sheet(
        WORKED,
        ["内部流程", "培训完成率", "越高越好", 80, 0.9, 0.81, None],
        ["客户", "满意度", "越高越好", 100, 90, 81, None],
    )
    name = "人力资源部_2026年10月.xlsx"
    engine = fresh_store(tmp_path)
    Upload(name, data, load((name, data))).save(engine)
    engine.dispose()
    at = open_page(start(monkeypatch, tmp_path), "scorecard")
    assert not at.exception
    tables = [d.value for d in at.dataframe]
    (table,) = [t for t in tables if "招聘及时率" in t["指标"].tolist()]
    rows = table.set_index("指标")
    assert rows.loc["招聘及时率", "评分标准"] == WORKED[-1]
    assert (rows.loc["招聘及时率", "实得分"], rows.loc["招聘及时率", "满分"]) == (10, 20)
    assert rows.loc["招聘及时率", "得分"] == 50
    assert rows.loc["培训完成率", "评分标准"] == ""
    assert math.isnan(rows.loc["培训完成率", "实得分"])
    # a panel with no rule-scored KPI stays as narrow as before
    (other,) = [t for t in tables if "满意度" in t["指标"].tolist()]
    assert not {"评分标准", "实得分", "满分"} & set(other.columns)


# -- laws -----------------------------------------------------------------------------------------

RULES = st.sampled_from(
    [
        "每低于目标1%扣2分，扣完为止",
        "每低于目标2个百分点扣3分",
        "每超过目标1%扣1分，最多扣10分",
        "每超过目标1%加1分，最高加5分",
        "每低于目标1%扣2分，每超过目标1%加1分，加分上限8分",
        "每发生1次扣5分",
        "每延迟1天扣0.5分，每提前1天加0.5分，最高加3分",
    ]
)
VALUES = st.floats(min_value=0, max_value=500, allow_nan=False)


@given(RULES, VALUES, st.floats(min_value=1, max_value=400), st.floats(min_value=1, max_value=100))
def test_points_stay_between_zero_and_full_plus_the_bonus_limit(rule, actual, target, full):
    row = scored(target=target, actual=actual, full_points=full, rule=rule)
    limit = {"最高加5分": 5, "加分上限8分": 8, "最高加3分": 3}
    bonus = next((x for words, x in limit.items() if words in rule), 0)
    assert 0 <= row["points"] <= full + bonus + 1e-9
    assert 0 <= row["score"] <= 120


@given(
    st.sampled_from(["每低于目标1%扣2分", "每低于目标1个百分点扣0.5分", "每低于5万元扣1分"]),
    VALUES,
    VALUES,
    st.floats(min_value=1, max_value=400),
)
def test_points_never_fall_as_the_actual_rises_under_one_deduction_clause(rule, a, b, target):
    low, high = sorted((a, b))
    worse = scored(target=target, actual=low, weight=20, rule=rule)
    better = scored(target=target, actual=high, weight=20, rule=rule)
    assert worse["points"] <= better["points"] + 1e-9


def test_the_leadership_workbook_shows_the_rule_the_points_and_the_full_points():
    from io import BytesIO

    from openpyxl import load_workbook

    from kpi_engine.core import insights
    from kpi_engine.reports.xlsx import report_xlsx

    loaded = load(("hr.xlsx", sheet(WORKED, ["客户", "满意度", "越高越好", 80, 90, 81, None])))
    history = insights.history(loaded.kpis, ["2026-10"])
    book = load_workbook(BytesIO(report_xlsx(history, "2026-10", department="人力资源部")))
    rows = [[c.value for c in row] for row in book["人力资源部"].iter_rows()]
    (header,) = [r for r in rows if "评分标准" in r]
    worked = next(r for r in rows if "招聘及时率" in r)
    plain = next(r for r in rows if "满意度" in r)
    at = {name: header.index(name) for name in ("评分标准", "实得分", "满分")}
    assert [worked[i] for i in at.values()] == [WORKED[-1], 10, 20]
    assert [plain[i] for i in at.values()] == [None, None, None]


def test_what_if_rescores_a_rule_kpi_when_its_target_or_its_weight_moves():
    """A rule KPI's points follow an edited target, and its score an edited weight where the
    weight is its full points (20 − 2 × 5 = 10 of 20 is 50; of 40 it is 30 of 40, 75)."""
    from kpi_engine.core.whatif import Scenario, prepare, rescore

    loaded = load(("hr.xlsx", sheet(WORKED)))
    prepared = prepare(loaded.kpis, period="2026-10")
    key = ("人力资源部", "招聘及时率")

    def worked(scenario: Scenario) -> dict[str, object]:
        kpis = rescore(prepared, scenario).kpis
        return kpis[kpis["kpi_name"] == "招聘及时率"].iloc[0].to_dict()

    base = worked(Scenario())
    assert (base["points"], base["full_points"], base["score"]) == (10, 20, 50)
    target = worked(Scenario(kpi_targets={key: 0.93}))  # 3 points short: 20 − 6
    assert (target["points"], target["score"]) == (pytest.approx(14), pytest.approx(70))
    weight = worked(Scenario(kpi_weights={key: 40.0}))
    assert (weight["points"], weight["full_points"]) == (30, 40)
    assert weight["score"] == pytest.approx(75)
