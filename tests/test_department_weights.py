"""Department-wide weights (SPEC §5.3): a department whose own KPI weights add up to 100 (or
1) across the department, while not every perspective adds up to that on its own, is scored
as the weighted mean of its KPI scores: each perspective weighs the sum of its KPI weights.
The `weighting` setting chooses the rule for everyone; pages, reports, the CLI and What-if
say which rule scored each department.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine import DEFAULTS, build, store
from kpi_engine.core.rollup import department_wide_cells, expand_shared, rollup
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.scoring import score
from kpi_engine.core.settings import (
    AUTO,
    DATA_DIR_ENV,
    DEPARTMENT,
    PERSPECTIVE,
    Settings,
    problems,
)
from kpi_engine.core.whatif import Scenario, compare, prepare, rank_ranges
from kpi_engine.reports.plain import scorecard_json
from tests.apps import open_page, start
from tests.commands import cli
from tests.kpi_rows import NAN, frame, kpi
from tests.workbooks import form, load, xlsx
from ui import whatif as whatif_ui

PERIOD = "2026-10"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def k(actual: float, weight: float, perspective: str, **fields: object) -> dict[str, object]:
    """A KPI scoring `actual` (target 100, higher is better)."""
    return kpi(actual=actual, target=100.0, weight=weight, perspective=perspective, **fields)


def departments(*rows: dict[str, object], settings: Settings = DEFAULTS) -> pd.DataFrame:
    """The department table of these rows, indexed by department."""
    return build(frame(*rows), settings=settings).departments.set_index("department")


def sheet(scale: float = 1.0, department: str = "市场部") -> list[dict[str, object]]:
    """Four KPIs weighted 40 / 30 / 20 / 10 across the department (times `scale`)."""
    weights = dict(zip(PERSPECTIVES, (40.0, 30.0, 20.0, 10.0), strict=True))
    scores = dict(zip(PERSPECTIVES, (100.0, 60.0, 90.0, 120.0), strict=True))
    return [
        k(scores[p], scale * weights[p], p, department=department, kpi_name=p) for p in PERSPECTIVES
    ]


def kpi_mean(rows: list[dict[str, object]]) -> float:
    """The weighted mean of the KPI scores, computed here from the rows as written."""
    w = np.array([r["weight"] for r in rows], dtype=float)
    s = np.array([min(r["actual"], 120.0) for r in rows], dtype=float)
    return float((w * s).sum() / w.sum())


def perspective_mean(rows: list[dict[str, object]], weights=DEFAULTS.perspective_weights) -> float:
    """SPEC §3 by hand: KPI-weighted means per perspective, then perspective-weighted."""
    table = pd.DataFrame(rows)
    table["ws"] = table["weight"] * table["actual"].clip(upper=120.0)
    sums = table.groupby("perspective")[["ws", "weight"]].sum()
    means = sums["ws"] / sums["weight"]
    pw = pd.Series(weights).reindex(means.index)
    return float((means * pw).sum() / pw.sum())


# -- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 0.01])  # weights written as 40 ... or 0.4 ...
def test_weights_adding_up_across_the_department_are_department_wide(scale):
    rows = sheet(scale)
    got = departments(*rows).loc["市场部"]
    assert got["weighting"] == DEPARTMENT
    assert got["score"] == pytest.approx(kpi_mean(rows))
    assert got["score"] != pytest.approx(perspective_mean(rows))


@pytest.mark.parametrize(
    ("last", "wide"),
    [
        (10.5, True),  # total 100.5: within 0.5
        (9.5, True),  # 99.5
        (10.51, False),  # 100.51: beyond
        (9.49, False),
    ],
)
def test_the_hundred_form_tolerance(last, wide):
    rows = [*sheet()[:3], k(120.0, last, "learning_growth")]
    assert (departments(*rows).loc["市场部", "weighting"] == DEPARTMENT) is wide


@pytest.mark.parametrize(
    ("last", "wide"),
    [(0.1049, True), (0.0951, True), (0.1051, False), (0.0949, False)],  # 1 +- 0.005
)
def test_the_one_form_tolerance(last, wide):
    rows = [*sheet(0.01)[:3], k(120.0, last, "learning_growth")]
    assert (departments(*rows).loc["市场部", "weighting"] == DEPARTMENT) is wide


def test_weights_adding_up_within_each_perspective_stay_perspective_weights():
    # every perspective adds up to 100 on its own: SPEC §3's form
    per_perspective = [
        k(80.0, 60.0, "financial", kpi_name="a"),
        k(100.0, 40.0, "financial", kpi_name="b"),
        k(70.0, 100.0, "customer", kpi_name="c"),
    ]
    # one perspective only, adding up to 100: the totals agree, nothing to tell apart
    single = [
        k(90.0, 70.0, "customer", kpi_name="d", department="财务部"),
        k(50.0, 30.0, "customer", kpi_name="e", department="财务部"),
    ]
    got = departments(*per_perspective, *single)
    assert (got["weighting"] == PERSPECTIVE).all()
    assert got.loc["市场部", "score"] == pytest.approx(perspective_mean(per_perspective))
    assert department_wide_cells(frame(*per_perspective, *single)).empty


def test_detection_is_per_department_and_period():
    rows = [
        *sheet(),
        *[{**r, "period": "2026-11", "weight": 2 * r["weight"]} for r in sheet()],  # total 200
        *sheet(department="财务部"),
    ]
    got = build(frame(*rows)).departments.set_index(["department", "period"])["weighting"]
    assert got.to_dict() == {
        ("市场部", "2026-10"): DEPARTMENT,
        ("市场部", "2026-11"): PERSPECTIVE,
        ("财务部", "2026-10"): DEPARTMENT,
    }
    cells = department_wide_cells(frame(*rows))
    assert sorted(zip(cells["department"], cells["period"], cells["total"], strict=True)) == [
        ("市场部", "2026-10", 100.0),
        ("财务部", "2026-10", 100.0),
    ]


def test_a_partners_shared_kpi_neither_makes_nor_hides_the_rule():
    """Detection reads the department's own KPIs; a partner's shared KPI then counts in
    the department's mean with its weight, like its own KPIs."""
    shared = k(50.0, 30.0, "customer", department="财务部", kpi_name="x", shared_with=("市场部",))
    rows = [*sheet(), shared, k(100.0, 70.0, "financial", department="财务部", kpi_name="y")]
    got = departments(*rows)
    assert got.loc["市场部", "weighting"] == DEPARTMENT  # own weights 100; with x: 130
    assert got.loc["财务部", "weighting"] == DEPARTMENT  # 财务部's own: 30 + 70
    assert got.loc["市场部", "score"] == pytest.approx(kpi_mean([*sheet(), shared]))


def test_missing_actuals_renormalise_over_the_scored_kpis():
    rows = [*sheet()[:3], k(NAN, 10.0, "learning_growth")]
    got = departments(*rows).loc["市场部"]
    assert got["weighting"] == DEPARTMENT
    assert got["score"] == pytest.approx(kpi_mean(rows[:3]))
    assert got["coverage"] == pytest.approx(0.9)  # 90 of the 100 weight reported


# -- the setting ----------------------------------------------------------------------------


def test_the_three_settings():
    wide, per = sheet(), [{**r, "department": "财务部", "weight": 100.0} for r in sheet()]
    rows = [*wide, *per]
    auto = departments(*rows, settings=DEFAULTS.with_(weighting=AUTO))
    assert auto["weighting"].to_dict() == {"市场部": DEPARTMENT, "财务部": PERSPECTIVE}
    everyone = departments(*rows, settings=DEFAULTS.with_(weighting=DEPARTMENT))
    assert (everyone["weighting"] == DEPARTMENT).all()
    assert everyone.loc["财务部", "score"] == pytest.approx(kpi_mean(per))
    nobody = departments(*rows, settings=DEFAULTS.with_(weighting=PERSPECTIVE))
    assert (nobody["weighting"] == PERSPECTIVE).all()
    assert nobody.loc["市场部", "score"] == pytest.approx(perspective_mean(wide))
    assert DEFAULTS.weighting == AUTO
    assert problems(DEFAULTS.with_(weighting="by_grade")) == ["unknown_weighting"]


# -- the law --------------------------------------------------------------------------------

kpi_rows = st.lists(
    st.tuples(
        st.sampled_from(["A部", "B部"]),
        st.sampled_from(PERSPECTIVES),
        st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=100.0)),  # weight
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=150.0)),  # actual
        st.one_of(st.just(()), st.just(("A部",)), st.just(("B部",))),  # shared with
    ),
    min_size=1,
    max_size=12,
)


@given(kpi_rows)
def test_department_wide_is_perspective_weighting_by_the_sums(drawn):
    """SPEC §5.3's law: scored department-wide, a department's score is what perspective
    weighting gives with its perspective weights set to the sums of its (scored) KPI
    weights, that is the weighted mean of its KPI scores; its coverage likewise with the
    sums of all its KPI weights."""
    rows = [
        k(NAN if a is None else a, w, p, department=d, kpi_name=f"k{i}", shared_with=s)
        for i, (d, p, w, a, s) in enumerate(drawn)
    ]
    expanded = expand_shared(score(frame(*rows)))
    wide = rollup(expanded, settings=DEFAULTS.with_(weighting=DEPARTMENT)).departments
    for department, own in expanded.groupby("department"):
        got = wide.set_index("department").loc[department]
        scored = own[own["score"].notna()]

        def by_sums(of: pd.DataFrame, department: str = department) -> pd.Series:
            sums = of.groupby("perspective")["weight"].sum().to_dict()
            settings = DEFAULTS.with_(weighting=PERSPECTIVE, perspective_weights=sums)
            return (
                rollup(expanded, settings=settings)
                .departments.set_index("department")
                .loc[department]
            )

        mass = scored["weight"].sum()
        if mass > 0:
            mean = (scored["weight"] * scored["score"]).sum() / mass
            assert got["score"] == pytest.approx(mean, rel=1e-9, abs=1e-9)
            assert got["score"] == pytest.approx(by_sums(scored)["score"], rel=1e-9, abs=1e-9)
        else:
            assert np.isnan(got["score"])
        if own["weight"].sum() > 0:
            assert got["coverage"] == pytest.approx(by_sums(own)["coverage"], rel=1e-9, abs=1e-9)


# -- §5's example: the sheet's own number -----------------------------------------------------

# Weights across the department (40 / 15 / 30 / 15); KPI scores 100, 100, 51, 111, 111, 97.
# The company's own sheet says 95.5; 30/30/25/15 perspective weights would say 87.6.
EXAMPLE = form(
    ["市场部", "财务", "M1", "营业收入", "越高越好", 25, 1000, 1000],
    ["市场部", "财务", "M2", "利润", "越高越好", 15, 200, 200],
    ["市场部", "客户", "M3", "客户满意度", "越高越好", 15, 100, 51],
    ["市场部", "内部流程", "M4", "项目交付", "越高越好", 20, 100, 111],
    ["市场部", "内部流程", "M5", "流程优化", "越高越好", 10, 100, 111],
    ["市场部", "学习与成长", "M6", "培训完成", "越高越好", 15, 100, 97],
)


def test_the_sheets_own_95_5_not_87_6():
    loaded = load(("市场部_2026年10月.xlsx", xlsx(EXAMPLE)))
    assert loaded.errors.empty
    card = build(loaded.kpis, period=PERIOD)
    row = card.departments.iloc[0]
    assert row["weighting"] == DEPARTMENT
    assert round(row["score"], 1) == 95.5
    by_perspective = build(
        loaded.kpis, period=PERIOD, settings=DEFAULTS.with_(weighting=PERSPECTIVE)
    )
    assert round(by_perspective.departments["score"].iloc[0], 1) == 87.6
    # the upload says which rule it applied, and where to choose another
    (warning,) = loaded.issues[loaded.issues["code"] == "department_wide_weights"].itertuples()
    assert (warning.severity, warning.file, warning.column) == (
        "warning",
        "市场部_2026年10月.xlsx",
        "weight",
    )
    assert "市场部" in warning.message and "2026-10" in warning.message
    assert "add up to 100" in warning.message and "Settings page" in warning.message


def test_score_json_names_the_rule_on_department_rows(tmp_path):
    path = tmp_path / "市场部_2026年10月.xlsx"
    path.write_bytes(xlsx(EXAMPLE))
    done = cli("score", str(path), "--json", env={})
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["departments"]
    (overall,) = [r for r in rows if r["perspective"] is None]
    assert overall["weighting"] == DEPARTMENT and round(overall["score"], 1) == 95.5
    assert all("weighting" not in r for r in rows if r["perspective"] is not None)
    card = build(
        load((path.name, path.read_bytes())).kpis, settings=DEFAULTS.with_(weighting=PERSPECTIVE)
    )
    (again,) = [r for r in scorecard_json(card)["departments"] if r["perspective"] is None]
    assert again["weighting"] == PERSPECTIVE


# -- What-if ----------------------------------------------------------------------------------


def mixed() -> pd.DataFrame:
    """市场部 weighs department-wide, 财务部 within each perspective."""
    per = [{**r, "department": "财务部", "weight": 100.0} for r in sheet()]
    return frame(*sheet(), *per)


def test_perspective_sliders_move_only_departments_scored_by_perspective_weights():
    prepared = prepare(mixed(), period=PERIOD)
    financial_first = Scenario(perspective_weights={"financial": 90, "customer": 10})
    moved = compare(prepared, DEFAULTS, financial_first).departments.set_index("department")
    assert moved.loc["市场部", "change"] == 0.0
    assert moved.loc["财务部", "change"] != pytest.approx(0.0)
    # rank stability keeps 市场部's own score (88) under every sampled weighting: read by
    # perspective weights it would tie 财务部 at 88.5
    ranges = rank_ranges(
        prepared.baseline.perspectives,
        weights=DEFAULTS.perspective_weights,
        departments=prepared.baseline.departments,
        spread_points=0,
        samples=1,
    ).set_index("department")
    assert ranges["baseline_rank"].to_dict() == {"市场部": 2, "财务部": 1}


def test_the_what_if_page_says_which_departments_sliders_do_not_move(monkeypatch, tmp_path):
    prepared = prepare(mixed(), period=PERIOD)
    comparison = compare(prepared, DEFAULTS, Scenario())
    text = whatif_ui.unmoved_text(comparison, PERIOD, "zh-Hans")
    assert text is not None and "市场部" in text and "财务部" not in text
    everyone = prepare(mixed(), period=PERIOD, settings=DEFAULTS.with_(weighting=PERSPECTIVE))
    assert (
        whatif_ui.unmoved_text(compare(everyone, everyone.settings, Scenario()), PERIOD, "en")
        is None
    )
    # in the sample company 财务部 alone weighs department-wide: the page names it
    at = open_page(start(monkeypatch, tmp_path), "whatif")
    assert not at.exception
    (note,) = [i.value for i in at.info if i.value.startswith("维度权重滑块不影响")]
    assert "财务部" in note and "市场部" not in note


# -- Settings and Scorecard pages -----------------------------------------------------------


def test_the_settings_page_stores_the_rule_and_the_scorecard_shows_it(monkeypatch, tmp_path):
    at = open_page(start(monkeypatch, tmp_path), "scorecard")  # 市场部: weights per perspective
    assert not at.exception
    assert any(c.value == "计权方式：维度权重" for c in at.caption)
    open_page(at, "settings")
    assert at.radio(key="settings_weighting").value == AUTO
    at.radio(key="settings_weighting").set_value(DEPARTMENT)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    engine = store.connect(data_dir=os.environ[DATA_DIR_ENV])
    assert store.load_settings(engine).weighting == DEPARTMENT
    engine.dispose()
    open_page(at, "scorecard")
    assert any(c.value == "计权方式：部门整体" for c in at.caption)


def test_the_overview_names_the_departments_scored_department_wide(monkeypatch, tmp_path):
    at = open_page(start(monkeypatch, tmp_path), "overview")
    assert not at.exception
    (caption,) = [c.value for c in at.caption if c.value.startswith("按部门整体计权")]
    assert "财务部" in caption and "市场部" not in caption


def test_the_data_page_shows_the_rule_before_import(monkeypatch, tmp_path):
    at = open_page(start(monkeypatch, tmp_path), "data")
    at.file_uploader[0].upload("市场部_2026年10月.xlsx", xlsx(EXAMPLE), XLSX).run()
    assert not at.exception
    # the validation report: one card per issue (and its table beyond the first cards)
    cards = [str(e.value) for e in (*at.error, *at.warning, *at.info)]
    shown = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()] + cards
    assert any("按部门整体计权" in v and "市场部" in v and "设置页" in v for v in shown)
