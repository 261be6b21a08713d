"""SPEC §5.6: a veto KPI (一票否决) that fails sets its department's score to the veto score,
whatever its other KPIs score and however they are weighted; the reason names the KPI and
its values, and the perspective scores are still shown."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_engine import store
from kpi_engine.cli.main import main
from kpi_engine.core import adjust
from kpi_engine.core.scorecard import build
from kpi_engine.core.settings import DATA_DIR_ENV, DEFAULTS, DEPARTMENT, PERSPECTIVE
from kpi_engine.core.whatif import Scenario, prepare, rank_ranges, rescore
from tests.apps import open_page, start
from tests.kpi_rows import NAN, frame, kpi
from tests.workbooks import load, xlsx

HEADER = ["指标编号", "指标名称", "维度", "方向", "权重", "目标值", "红线值", "实际值", "一票否决"]
TITLE = ["2026年10月 生产部 KPI 考核表"]


def sheet(*rows: list[object], header: list[str] = HEADER) -> bytes:
    return xlsx([TITLE, [], header, *rows])


def department(card, name: str = "市场部", period: str = "2026-10"):
    at = card.departments
    (row,) = at[(at["department"] == name) & (at["period"] == period)].itertuples()
    return row


def with_veto(**fields: object) -> list[dict[str, object]]:
    """A department of two KPIs (scores 90 and 100) and one veto gate with `fields`."""
    return [
        kpi(kpi_id="K1", actual=90.0, target=100.0),
        kpi(kpi_id="K2", actual=100.0, target=100.0, perspective="customer"),
        kpi(
            kpi_id="V1",
            kpi_name="重大安全事故",
            perspective=None,
            section="veto",
            veto=True,
            weight=NAN,
            **fields,
        ),
    ]


# -- ingest: the column and the section forms --------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["是", "Y", "y", "√", "✓", 1, "1", "yes", "TRUE", "Ｙ", "ｙｅｓ", "１", "１.0"]
)
def test_a_veto_column_saying_yes_makes_a_veto_kpi(cell):
    loaded = load(
        ("生产部.xlsx", sheet(["K1", "产量", "财务", "越高越好", 1, 100, None, 90, cell]))
    )
    assert loaded.errors.empty, loaded.errors
    (row,) = loaded.kpis.itertuples()
    assert row.veto is True or row.veto == np.True_
    assert (row.section, row.perspective) == (None, "financial")  # weighted: counts too


@pytest.mark.parametrize("cell", ["否", "N", "no", "false", 0, None, "-", "×"])
def test_a_veto_column_saying_no_or_nothing_is_no_veto(cell):
    loaded = load(
        ("生产部.xlsx", sheet(["K1", "产量", "财务", "越高越好", 1, 100, None, 90, cell]))
    )
    assert loaded.issues[loaded.issues["code"] == "unknown_veto"].empty
    assert not loaded.kpis["veto"].iloc[0]


def test_a_veto_cell_saying_neither_is_a_warning_naming_the_cell():
    loaded = load(
        ("生产部.xlsx", sheet(["K1", "产量", "财务", "越高越好", 1, 100, None, 90, "看情况"]))
    )
    (warning,) = loaded.warnings[loaded.warnings["code"] == "unknown_veto"].itertuples()
    assert (warning.file, warning.row, warning.column, warning.value) == (
        "生产部.xlsx",
        4,
        "一票否决",
        "看情况",
    )
    assert not loaded.kpis["veto"].iloc[0]


@pytest.mark.parametrize("word", ["否决指标", "否决项", "否決指標", "否決項"])
def test_a_veto_perspective_cell_or_section_row_makes_a_gate(word):
    by_cell = load(
        ("生产部.xlsx", sheet(["V1", "安全事故", word, "越低越好", None, 0, None, 1, None]))
    )
    by_row = load(
        (
            "生产部.xlsx",
            sheet(
                ["K1", "产量", "财务", "越高越好", 1, 100, None, 90, None],
                [f"二、{word}"],
                ["V1", "安全事故", None, "越低越好", None, 0, None, 1, None],
            ),
        )
    )
    for loaded in (by_cell, by_row):
        assert loaded.errors.empty, loaded.errors
        gate = loaded.kpis.set_index("kpi_id").loc["V1"]
        assert (gate["section"], gate["perspective"], bool(gate["veto"])) == ("veto", None, True)


def test_a_veto_kpi_with_weight_0_or_none_is_a_gate_only_and_raises_no_weight_error():
    loaded = load(
        (
            "生产部.xlsx",
            sheet(
                ["K1", "产量", "财务", "越高越好", 1, 100, None, 90, None],
                ["V1", "安全事故", "内部流程", "越低越好", None, 0, None, 0, "是"],
                ["V2", "环保事件", "内部流程", "越低越好", 0, 0, None, 0, "是"],
                ["V3", "质量事故", "内部流程", "越低越好", 2, 0, None, 0, "是"],
            ),
        )
    )
    assert loaded.errors.empty, loaded.errors
    kpis = loaded.kpis.set_index("kpi_id")
    assert kpis["section"].to_dict() == {"K1": None, "V1": "veto", "V2": "veto", "V3": None}
    assert kpis["perspective"].to_dict() == {
        "K1": "financial",
        "V1": None,
        "V2": None,
        "V3": "internal_process",
    }


def test_a_veto_kpi_with_nothing_to_fail_against_is_a_row_error():
    loaded = load(
        (
            "生产部.xlsx",
            sheet(["V1", "安全事故", "否决指标", "越低越好", None, None, None, 1, None]),
        )
    )
    (error,) = loaded.errors.itertuples()
    assert (error.code, error.row, error.column) == ("veto_no_bound", 4, "目标值")
    assert loaded.kpis.empty


def test_a_veto_kpi_with_a_floor_alone_is_accepted_and_fails_against_it():
    loaded = load(
        (
            "生产部.xlsx",
            sheet(
                ["K1", "产量", "财务", "越高越好", 1, 100, None, 90, None],
                ["V1", "安全事故", "否决指标", "越低越好", None, None, 2, 3, None],
            ),
        )
    )
    assert loaded.errors.empty, loaded.errors
    assert department(build(loaded.kpis), "生产部").veto["kpi_id"] == "V1"


# -- when a veto KPI fails ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "fails"),
    [
        # by the floor where one is given
        ({"direction": "lower", "target": 0.0, "floor": 2.0, "actual": 1.0}, False),
        ({"direction": "lower", "target": 0.0, "floor": 2.0, "actual": 2.0}, False),
        ({"direction": "lower", "target": 0.0, "floor": 2.0, "actual": 3.0}, True),
        ({"direction": "higher", "target": 100.0, "floor": 80.0, "actual": 85.0}, False),
        ({"direction": "higher", "target": 100.0, "floor": 80.0, "actual": 79.0}, True),
        # else by the target
        ({"direction": "lower", "target": 0.0, "actual": 0.0}, False),
        ({"direction": "lower", "target": 0.0, "actual": 1.0}, True),
        ({"direction": "higher", "target": 0.95, "actual": 0.95}, False),
        ({"direction": "higher", "target": 0.95, "actual": 0.94}, True),
        # a range: outside it
        ({"direction": "range", "target_low": 20.0, "target_high": 25.0, "actual": 20.0}, False),
        ({"direction": "range", "target_low": 20.0, "target_high": 25.0, "actual": 25.5}, True),
        ({"direction": "range", "target_low": 20.0, "target_high": 25.0, "actual": 19.0}, True),
        # a missing actual fails nothing
        ({"direction": "lower", "target": 0.0, "actual": NAN}, False),
    ],
)
def test_a_veto_kpi_fails_by_its_floor_else_its_target_else_its_range(fields, fails):
    card = build(frame(*with_veto(**fields)))
    row = department(card)
    assert row.score_before == pytest.approx(95.0)
    assert (row.veto is not None) is fails
    assert row.score == pytest.approx(0.0 if fails else 95.0)


def test_the_veto_score_is_a_setting():
    rows = frame(*with_veto(direction="lower", target=0.0, actual=1.0))
    assert department(build(rows, settings=DEFAULTS.with_(veto_score=30.0))).score == 30.0


def test_the_reason_names_the_kpi_and_its_values():
    rows = frame(*with_veto(direction="lower", target=0.0, floor=NAN, actual=1.0, unit="起"))
    assert department(build(rows)).veto == {
        "kpi_id": "V1",
        "kpi_name": "重大安全事故",
        "actual": 1.0,
        "target": 0.0,
        "floor": None,
        "unit": "起",
        "target_low": None,
        "target_high": None,
    }
    assert json.loads(json.dumps(department(build(rows)).veto))  # JSON-ready as it is


def test_the_first_failing_veto_kpi_is_the_reason():
    rows = with_veto(direction="lower", target=0.0, actual=1.0)
    rows.append(kpi(kpi_id="V2", perspective=None, section="veto", veto=True, target=1, actual=0))
    rows.insert(
        0, kpi(kpi_id="V0", perspective=None, section="veto", veto=True, target=1, actual=2)
    )
    assert department(build(frame(*rows))).veto["kpi_id"] == "V1"


def test_perspective_scores_are_still_shown_and_the_organisation_averages_final_scores():
    rows = with_veto(direction="lower", target=0.0, actual=1.0)
    rows.append(kpi(department="财务部", actual=80.0, target=100.0))
    card = build(frame(*rows))
    shown = card.perspectives[card.perspectives["department"] == "市场部"]
    assert shown.set_index("perspective")["score"].to_dict() == {
        "financial": 90.0,
        "customer": 100.0,
    }
    assert card.organization["score"].iloc[0] == pytest.approx((0.0 + 80.0) / 2)
    gate = card.kpis.set_index("kpi_id").loc["V1"]
    assert gate["score"] == 0.0 and gate["status"] == "red"  # its own line is shown


def test_a_gate_counts_in_no_perspective_and_a_weighted_veto_kpi_counts_in_its_own():
    passing = {"direction": "lower", "target": 1.0, "floor": 3.0, "actual": 2.0}  # scores 50
    gate = build(frame(*with_veto(**passing)))
    counted_rows = with_veto(**passing)
    counted_rows[2].update(perspective="financial", section=None, weight=1.0)
    counted = build(frame(*counted_rows))
    assert department(gate).veto is None and department(counted).veto is None
    persp = {
        c: x.perspectives.set_index("perspective")["score"]
        for c, x in (("g", gate), ("c", counted))
    }
    assert persp["g"]["financial"] == 90.0
    assert persp["c"]["financial"] == pytest.approx((90.0 + 50.0) / 2)


def test_a_quarter_fails_on_the_aggregate_not_on_a_month():
    def months(name, aggregation, direction, target, actuals, **more):
        return [
            kpi(
                kpi_id=name,
                perspective=None,
                section="veto",
                veto=True,
                aggregation=aggregation,
                direction=direction,
                target=target,
                actual=a,
                period=f"2026-0{m}",
                **more,
            )
            for m, a in zip((1, 2, 3), actuals, strict=True)
        ]

    base = [kpi(actual=90.0, target=100.0, period=f"2026-0{m}") for m in (1, 2, 3)]
    rate = months("合格率", "avg", "higher", 0.95, [0.96, 0.94, 0.96])
    vetoed_month = build(frame(*base, *rate), period="2026-02")
    assert department(vetoed_month, period="2026-02").veto["kpi_id"] == "合格率"
    quarter = build(frame(*base, *rate), period="2026-Q1")
    assert department(quarter, period="2026-Q1").veto is None  # mean 0.9533 >= 0.95
    accidents = months("事故", "sum", "lower", 0.0, [0.0, 0.0, 1.0])
    row = department(build(frame(*base, *accidents), period="2026-Q1"), period="2026-Q1")
    assert row.veto["actual"] == 1.0 and row.score == 0.0


def test_score_json_names_the_veto(tmp_path, capsys):
    path = tmp_path / "生产部_2026年10月.xlsx"
    path.write_bytes(
        sheet(
            ["K1", "产量", "财务", "越高越好", 1, 100, None, 90, None],
            ["V1", "重大安全事故", "否决指标", "越低越好", None, "0起", None, "1起", None],
        )
    )
    assert main(["score", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (overall,) = [d for d in doc["departments"] if d["perspective"] is None]
    assert overall["score"] == 0.0 and overall["score_before"] == pytest.approx(90.0)
    assert overall["veto"]["kpi_name"] == "重大安全事故"
    assert (overall["veto"]["actual"], overall["veto"]["target"]) == (1.0, 0.0)
    kpis = {k["kpi_id"]: k for k in doc["kpis"]}
    assert kpis["V1"]["veto"] is True and kpis["V1"]["section"] == "veto"
    assert kpis["V1"]["perspective"] is None and kpis["K1"]["veto"] is False


# -- a veto ignores weights ---------------------------------------------------------------------

weights = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
perspective_weights = st.fixed_dictionaries(
    {p: weights for p in ("financial", "customer", "internal_process", "learning_growth")}
).filter(lambda w: sum(w.values()) > 0)


@settings(max_examples=40, deadline=None)
@given(
    perspective_weights,
    st.dictionaries(st.sampled_from(["市场部", "财务部", "生产部"]), weights),
    st.sampled_from([PERSPECTIVE, DEPARTMENT, "auto"]),
    st.floats(min_value=0.0, max_value=100.0),
    perspective_weights,
    st.floats(min_value=0.0, max_value=100.0),
)
def test_a_vetoed_department_keeps_the_veto_score_under_any_weights(
    p_weights, d_weights, weighting, veto_score, scenario_weights, kpi_weight
):
    rows = with_veto(direction="lower", target=0.0, actual=1.0)
    rows += [
        kpi(department="财务部", actual=a, target=100.0, perspective=p)
        for a, p in ((70.0, "financial"), (110.0, "customer"))
    ]
    rows.append(kpi(department="生产部", actual=95.0, target=100.0, perspective="learning_growth"))
    chosen = DEFAULTS.with_(
        perspective_weights=p_weights,
        department_weights=d_weights,
        weighting=weighting,
        veto_score=veto_score,
    )
    card = build(frame(*rows), settings=chosen)
    assert department(card).score == veto_score
    prepared = prepare(frame(*rows), settings=chosen, period="2026-10")
    scenario = Scenario(name="s", perspective_weights=scenario_weights)
    assert department(rescore(prepared, scenario)).score == veto_score
    by_kpi = Scenario(name="k", kpi_weights={("市场部", "K1"): kpi_weight})
    assert department(rescore(prepared, by_kpi)).score == veto_score
    assert department(prepared.baseline).score == veto_score


def test_rank_stability_keeps_a_vetoed_department_at_the_veto_score():
    rows = with_veto(direction="lower", target=0.0, actual=1.0)
    rows[0]["actual"] = 200.0  # the best weighted score of all, before the veto
    rows += [
        kpi(department=d, actual=a, target=100.0, perspective=p)
        for d, a, p in (
            ("财务部", 70.0, "financial"),
            ("财务部", 100.0, "customer"),
            ("生产部", 95.0, "customer"),
        )
    ]
    card = build(frame(*rows))
    ranges = rank_ranges(
        card.perspectives,
        weights=DEFAULTS.perspective_weights,
        departments=card.departments,
        spread_points=30,
        samples=200,
        settings=DEFAULTS,
    ).set_index("department")
    assert (ranges.loc["市场部", "min_rank"], ranges.loc["市场部", "max_rank"]) == (3, 3)
    assert not math.isnan(ranges.loc["财务部", "stable_share"])


def test_failing_marks_only_veto_kpis():
    rows = frame(
        kpi(actual=1.0, target=0.0, direction="lower"),
        kpi(actual=1.0, target=0.0, direction="lower", veto=True),
    )
    assert adjust.failing(rows).tolist() == [False, True]


# -- the settings ---------------------------------------------------------------------------------


def test_the_settings_page_sets_the_veto_score_and_the_bonus_limit(monkeypatch, tmp_path):
    at = open_page(start(monkeypatch, tmp_path), "settings")
    assert not at.exception, [e.message for e in at.exception]
    labels = {n.key: n.label for n in at.number_input}
    assert (labels["settings_veto_score"], labels["settings_bonus_limit"]) == (
        "否决得分",
        "加分上限（分）",
    )
    at.number_input(key="settings_veto_score").set_value(20.0)
    at.number_input(key="settings_bonus_limit").set_value(5.0)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    saved = store.load_settings(store.connect(data_dir=os.environ[DATA_DIR_ENV]))
    assert (saved.veto_score, saved.bonus_limit) == (20.0, 5.0)
    at.number_input(key="settings_veto_score").set_value(500.0)
    at.button[0].click().run()
    assert any("否决得分须在 0 与得分上限之间" in e.value for e in at.error)


def test_a_definition_makes_its_actuals_a_veto_kpi_and_no_veto_is_no_filled_cell():
    definitions = [
        ["部门", "指标编号", "指标名称", "维度", "方向", "权重", "目标值", "一票否决"],
        ["生产部", "K1", "产量", "财务", "越高越好", 1, 100, "否"],
        ["生产部", "V1", "安全事故", "内部流程", "越低越好", None, 0, "是"],
    ]
    actuals = [
        ["部门", "指标编号", "期间", "实际值"],
        ["生产部", "K1", "2026-10", 90],
        ["生产部", "V1", "2026-10", 1],
    ]
    loaded = load(("生产部.xlsx", xlsx(actuals, sheet="实际", more={"定义": definitions})))
    assert loaded.errors.empty, loaded.errors
    kpis = loaded.kpis.set_index("kpi_id")
    assert kpis["veto"].to_dict() == {"K1": False, "V1": True}
    assert kpis.loc["V1", "section"] == "veto"
    (filled,) = loaded.warnings[loaded.warnings["code"] == "filled_from_definitions"].itertuples()
    assert "一票否决 / veto (1)" in filled.message
    assert department(build(loaded.kpis), "生产部").veto["kpi_id"] == "V1"


def test_a_rows_own_perspective_decides_what_it_is_not_the_definitions_gate():
    """A definition without a weight makes its veto KPI a gate; a month's row that writes
    the KPI's perspective and weight is a KPI of that perspective (and still a veto KPI),
    and nothing is said to be filled in for it."""
    definitions = [
        ["部门", "指标编号", "指标名称", "维度", "方向", "权重", "目标值", "一票否决"],
        ["生产部", "V1", "安全事故", "内部流程", "越低越好", None, 0, "是"],
    ]
    actuals = [
        ["部门", "指标编号", "维度", "权重", "期间", "实际值"],
        ["生产部", "V1", "内部流程", 10, "2026-10", 0],
    ]
    loaded = load(("生产部.xlsx", xlsx(actuals, sheet="实际", more={"定义": definitions})))
    assert loaded.errors.empty, loaded.errors
    (row,) = loaded.kpis.itertuples()
    assert (row.perspective, row.section, row.veto) == ("internal_process", None, True)
    filled = loaded.warnings[loaded.warnings["code"] == "filled_from_definitions"]
    assert not filled["message"].str.contains("section").any()
    assert department(build(loaded.kpis), "生产部").veto is None
