"""Units roll up level by level (issue 18): a unit's score is the weighted mean of its
children's final scores (departments after bonus, penalty and veto; sub-units' scores),
with weights keyed by any node's name (1 unless set), coverage beside it, per period and
per perspective; the organisation is the mean of the top level. Without a tree every
number is what it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from kpi_engine import DEFAULTS, build, load_paths
from kpi_engine.core import explain, insights, org
from kpi_engine.core.grades import grades
from kpi_engine.core.schema import org_table
from kpi_engine.core.scorecard import with_texts
from kpi_engine.core.settings import Settings, problems
from kpi_engine.core.whatif import Scenario, prepare, rescore
from tests.kpi_rows import frame, kpi
from tests.paths import SAMPLE_PATHS

PERIOD = "2026-10"


def edges(*pairs: tuple[str, str]) -> pd.DataFrame:
    return org_table(pd.DataFrame(list(pairs), columns=["unit", "parent"]))


def dept(name: str, actual: float, **fields: object) -> dict[str, object]:
    """A department's KPI scoring `actual` (target 100, higher is better)."""
    return kpi(department=name, kpi_name=f"{name} kpi", actual=actual, target=100.0, **fields)


# 集团 (weight 3) -> 华东 (weight 2) -> 甲部 (3), 乙部 (1)
#                 -> 华南 -> 丙部
#                 -> 丁部
# 戊部 has no edge: beside 集团 at the top.
GROUP = edges(
    ("甲部", "华东"),
    ("乙部", "华东"),
    ("丙部", "华南"),
    ("华东", "集团"),
    ("华南", "集团"),
    ("丁部", "集团"),
)
WEIGHTS = Settings(department_weights={"甲部": 3.0, "乙部": 1.0, "华东": 2.0, "集团": 3.0})
ROWS = (
    dept("甲部", 80.0),
    dept("乙部", 60.0),
    kpi(department="乙部", kpi_name="乙部 unreported", target=100.0),  # covers 0
    dept("丙部", 90.0),
    dept("丁部", 50.0),
    dept("戊部", 70.0),
)


def units(card) -> pd.DataFrame:
    return card.units.set_index("unit")


def test_three_levels_with_unequal_weights_by_hand() -> None:
    card = build(frame(*ROWS), settings=WEIGHTS, org=GROUP)
    got = units(card)
    east = (3 * 80 + 1 * 60) / 4  # 75
    group = (2 * east + 1 * 90 + 1 * 50) / 4  # 72.5
    assert got.loc["华东", "score"] == pytest.approx(east)
    assert got.loc["华南", "score"] == pytest.approx(90.0)
    assert got.loc["集团", "score"] == pytest.approx(group)
    assert card.organization["score"].iloc[0] == pytest.approx((3 * group + 70) / 4)
    assert got["level"].to_dict() == {"集团": 1, "华东": 2, "华南": 2}
    assert pd.isna(got.loc["集团", "parent"])
    assert got.loc[["华东", "华南"], "parent"].tolist() == ["集团", "集团"]
    assert got["grade"].tolist() == list(grades(got["score"], WEIGHTS))
    assert list(card.units["unit"]) == ["集团", "华东", "华南"]  # parents before children


def test_coverage_rolls_up_alongside() -> None:
    card = build(frame(*ROWS), settings=WEIGHTS, org=GROUP)
    got = units(card)
    east = (3 * 1.0 + 1 * 0.5) / 4  # 乙部 reported one KPI of two
    group = (2 * east + 1 + 1) / 4
    assert got.loc["华东", "coverage"] == pytest.approx(east)
    assert got.loc["集团", "coverage"] == pytest.approx(group)
    assert card.organization["coverage"].iloc[0] == pytest.approx((3 * group + 1) / 4)


def test_per_perspective_and_per_period() -> None:
    rows = [
        dept("甲部", 80.0),
        dept("甲部", 100.0, perspective="customer"),
        dept("乙部", 60.0, perspective="customer"),
        dept("甲部", 40.0, period="2026-11"),
        dept("乙部", 20.0, period="2026-11"),
    ]
    card = build(frame(*rows), org=edges(("甲部", "华东"), ("乙部", "华东")))
    persp = card.unit_perspectives.set_index(["period", "perspective"])["score"]
    assert persp[(PERIOD, "financial")] == pytest.approx(80.0)  # 乙部 has none
    assert persp[(PERIOD, "customer")] == pytest.approx(80.0)  # (100 + 60) / 2
    by_period = card.units.set_index("period")["score"]
    assert by_period["2026-11"] == pytest.approx(30.0)
    org_persp = card.organization_perspectives.set_index(["period", "perspective"])["score"]
    assert org_persp[(PERIOD, "customer")] == pytest.approx(80.0)


def test_a_vetoed_department_counts_at_the_veto_score_in_its_unit() -> None:
    failed = {"direction": "lower", "target": 0.0, "actual": 1.0}  # one accident
    gate = kpi(department="乙部", perspective=None, section="veto", veto=True, **failed)
    veto = Settings(veto_score=10.0)
    card = build(frame(dept("甲部", 80.0), dept("乙部", 60.0), gate), settings=veto, org=GROUP)
    assert units(card).loc["华东", "score"] == pytest.approx((80 + 10) / 2)


def test_a_shared_kpi_counts_in_both_departments_as_without_a_tree() -> None:
    rows = frame(dept("甲部", 80.0, shared_with=("乙部",)), dept("乙部", 60.0))
    plain, treed = build(rows), build(rows, org=edges(("甲部", "华东"), ("乙部", "华东")))
    assert_frame_equal(plain.departments, treed.departments)
    assert_frame_equal(plain.kpis, treed.kpis)
    scores = plain.departments.set_index("department")["score"]
    assert scores["乙部"] == pytest.approx(70.0)  # its own 60 and the shared 80
    assert units(treed).loc["华东", "score"] == pytest.approx((80 + 70) / 2)


def test_a_partner_only_department_does_not_count_in_its_unit() -> None:
    rows = frame(dept("甲部", 80.0, shared_with=("乙部",)))
    card = build(rows, org=edges(("甲部", "华东"), ("乙部", "华东")))
    assert "乙部" in set(card.departments["department"])
    assert units(card).loc["华东", "score"] == pytest.approx(80.0)


def test_a_weight_keyed_by_a_unit_name_in_any_script() -> None:
    base = build(frame(*ROWS), org=GROUP)
    heavier = build(frame(*ROWS), settings=Settings(department_weights={"華東": 0.0}), org=GROUP)
    assert units(base).loc["集团", "score"] == pytest.approx((70 + 90 + 50) / 3)
    assert units(heavier).loc["集团", "score"] == pytest.approx((90 + 50) / 2)


@pytest.fixture(scope="module")
def sample_kpis() -> pd.DataFrame:
    return load_paths([str(p) for p in SAMPLE_PATHS]).kpis


def test_no_tree_is_exactly_today_on_the_sample(sample_kpis: pd.DataFrame) -> None:
    today = build(sample_kpis)
    for edges_ in (None, org_table(), edges(("财务部", "财务部"))):
        card = build(sample_kpis, org=edges_)
        assert not card.tree
        for name in ("kpis", "perspectives", "departments", "organization", "collaboration"):
            assert_frame_equal(getattr(card, name), getattr(today, name))
        assert_frame_equal(card.organization_perspectives, today.organization_perspectives)
        assert card.units.empty and card.unit_perspectives.empty


def test_one_unit_over_every_department_gives_todays_organisation(
    sample_kpis: pd.DataFrame,
) -> None:
    today = build(sample_kpis)
    names = today.departments["department"].unique()
    card = build(sample_kpis, org=edges(*((d, "集团") for d in names)))
    for name in ("kpis", "perspectives", "departments", "collaboration"):
        assert_frame_equal(getattr(card, name), getattr(today, name))
    group = card.units.set_index("period")
    expected = today.organization.set_index("period")
    np.testing.assert_allclose(group["score"], expected.loc[group.index, "score"], rtol=1e-12)
    np.testing.assert_allclose(card.organization["score"], today.organization["score"], rtol=1e-12)
    np.testing.assert_allclose(
        card.organization_perspectives["score"],
        today.organization_perspectives["score"],
        rtol=1e-12,
    )


def test_history_threads_the_edges(sample_kpis: pd.DataFrame) -> None:
    names = sorted(sample_kpis["department"].unique())
    tree_edges = edges(*((d, "华东" if i % 2 else "华南") for i, d in enumerate(names)))
    labels = ["2026-09", "2026-10", "2026-Q3", "2026-10-YTD"]
    card = insights.history(sample_kpis, labels, org=tree_edges)
    assert card.tree.units == ("华东", "华南")
    assert set(card.units["period"]) == set(labels)


def test_what_if_reweighting_moves_unit_scores() -> None:
    prepared = prepare(frame(*ROWS), period=PERIOD, org=GROUP)
    assert units(prepared.baseline).loc["华东", "score"] == pytest.approx(70.0)
    moved = rescore(prepared, Scenario(department_weights={"甲部": 3.0, "华东": 2.0}))
    assert units(moved).loc["华东", "score"] == pytest.approx(75.0)
    group = (2 * 75 + 90 + 50) / 4
    assert units(moved).loc["集团", "score"] == pytest.approx(group)
    assert moved.organization["score"].iloc[0] == pytest.approx((group + 70) / 2)
    target = rescore(prepared, Scenario(kpi_targets={("甲部", "甲部 kpi"): 50.0}))
    assert units(target).loc["华东", "score"] > 70.0  # the rows path keeps the tree


def test_a_filter_of_departments_rolls_their_units_up_again() -> None:
    card = build(frame(*ROWS), org=GROUP)
    narrowed = insights.of_departments(card, ["甲部", "丙部"])
    assert set(narrowed.units["unit"]) == {"集团", "华东", "华南"}
    assert units(narrowed).loc["华东", "score"] == pytest.approx(80.0)
    assert narrowed.organization["score"].iloc[0] == pytest.approx((80 + 90) / 2)
    only = insights.of_departments(card, ["戊部"])
    assert only.units.empty
    assert only.organization["score"].iloc[0] == pytest.approx(70.0)


def test_texts_in_another_script_rename_the_tree_too() -> None:
    card = build(frame(*ROWS), org=GROUP)
    shown = with_texts(card, lambda s: s.replace("华", "華").replace("团", "團"))
    assert shown.tree.units == ("集團", "華东", "華南")
    assert set(shown.units["unit"]) == set(shown.tree.units)
    assert shown.tree.parent["甲部"] == "華东"
    assert shown.units.set_index("unit").loc["華东", "parent"] == "集團"


@st.composite
def companies(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, Settings]:
    """Up to 8 departments with a random score, under a random forest of up to 4 units,
    with random weights on every node."""
    n = draw(st.integers(1, 8))
    names = [f"部门{i}" for i in range(n)]
    unit_names = [f"单位{i}" for i in range(draw(st.integers(1, 4)))]
    nodes = names + unit_names
    parents = [draw(st.sampled_from([None, *unit_names])) for _ in nodes]
    pairs = [(c, p) for c, p in zip(nodes, parents, strict=True) if p is not None]
    scores = draw(st.lists(st.floats(0, 120), min_size=n, max_size=n))
    weights = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=len(nodes)))
    rows = frame(*(dept(d, s) for d, s in zip(names, scores, strict=True)))
    by_node = dict(zip(nodes, weights, strict=False))
    return rows, edges(*pairs) if pairs else org_table(), Settings(department_weights=by_node)


@settings(max_examples=40, deadline=None)
@given(companies())
def test_a_unit_lies_between_its_least_and_greatest_child(company) -> None:
    rows, tree_edges, weights = company
    card = build(rows, settings=weights, org=tree_edges)
    own = card.departments.set_index("department")["score"].to_dict()
    got = card.units.set_index("unit")["score"].to_dict()
    scores = {**own, **got}
    names = list(own)
    for unit in card.tree.units:
        kids = [scores[k] for k in org.children(card.tree, unit, names)]
        kids = [k for k in kids if not np.isnan(k)]
        if np.isnan(got[unit]):
            continue
        assert min(kids) <= got[unit] <= max(kids)
    top = [scores[k] for k in org.children(card.tree, None, names)]
    top = [k for k in top if not np.isnan(k)]
    total = card.organization["score"].iloc[0]
    if top and not np.isnan(total):
        assert min(top) <= total <= max(top)


def test_a_weight_keyed_by_a_unit_is_valid_settings() -> None:
    assert problems(WEIGHTS) == []
    assert problems(Settings(department_weights={"华东": -1.0})) == ["negative_weight"]


def test_why_the_group_score_moved_adds_up_with_a_tree() -> None:
    later = [
        dict(r, period="2026-11", actual=r["actual"] + 7 * i)
        for i, r in enumerate(ROWS)
        if r["department"] != "丁部"  # 丁部 did not report: its weight spreads
    ]
    history = build(frame(*ROWS, *later), settings=WEIGHTS, org=GROUP)
    scores = history.organization.set_index("period")["score"]
    parts = explain.explain(history, "2026-11", "2026-10", settings=WEIGHTS)
    assert explain.change(parts) == pytest.approx(scores["2026-11"] - scores["2026-10"])
    assert set(parts["kind"]) >= {"kpi", "coverage_missing"}
    before = build(frame(*ROWS), org=GROUP).organization["score"].iloc[0]
    moved = explain.explain(
        history, "2026-11", "2026-10", settings=WEIGHTS, previous_settings=DEFAULTS
    )
    assert explain.change(moved) == pytest.approx(scores["2026-11"] - before)


def test_defaults_are_equal_weights() -> None:
    card = build(frame(*ROWS), settings=DEFAULTS, org=GROUP)
    assert units(card).loc["华东", "score"] == pytest.approx(70.0)
