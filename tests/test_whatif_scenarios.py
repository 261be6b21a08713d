"""What-if scenarios: the fast path gives what a full rebuild gives, scaling every weight
changes nothing, a scenario never touches the stored rows, ranks and rank ranges behave."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_engine import DEFAULTS, build, load_files
from kpi_engine.core.names import kpi_labels
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.settings import DEPARTMENT, PERSPECTIVE
from kpi_engine.core.whatif import (
    Scenario,
    apply,
    compare,
    prepare,
    rank_ranges,
    redistribute,
    rescore,
    sample_weights,
)
from tests.kpi_rows import kpi
from tests.paths import sample_files


@pytest.fixture(scope="module")
def company():
    """The bundled sample company (7 departments, shared KPIs, three scoring methods)."""
    return load_files(list(sample_files())).kpis


@pytest.fixture(scope="module")
def october(company):
    return prepare(company, period="2026-10")


def frames_equal(a, b):
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


weights = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


@pytest.fixture(scope="module")
def mixed(company):
    """The sample company as it is: 财务部 weighs department-wide (its weights add up to
    100 % across the department), the six others by perspective weights."""
    rows = company
    prepared = prepare(rows, period="2026-10")
    rule = prepared.baseline.departments.set_index("department")["weighting"]
    assert rule["财务部"] == DEPARTMENT and (rule.drop("财务部") == PERSPECTIVE).all()
    return rows, prepared


@pytest.mark.slow
@given(
    perspective=st.tuples(weights, weights, weights, weights).filter(lambda w: sum(w) > 0),
    marketing=st.floats(min_value=0.0, max_value=10.0),
)
def test_weight_changes_on_the_cube_equal_a_full_rebuild(mixed, perspective, marketing):
    rows, october = mixed
    scenario = Scenario(
        perspective_weights=dict(zip(PERSPECTIVES, perspective, strict=True)),
        department_weights={"市场部": marketing},
    )
    fast = rescore(october, scenario)
    full = build(rows, settings=scenario.settings(DEFAULTS), period="2026-10")
    frames_equal(fast.departments, full.departments)
    frames_equal(fast.organization, full.organization)


@pytest.mark.parametrize("period", ["2026-10", "2026-Q3", "2026-10-YTD"])
def test_kpi_weight_and_target_overrides_equal_a_rebuild_of_the_edited_rows(company, period):
    scenario = Scenario(
        perspective_weights={
            "financial": 10,
            "customer": 50,
            "internal_process": 25,
            "learning_growth": 15,
        },
        kpi_weights={("市场部", "MKT-01"): 0.5, ("技术部", "TEC-06"): 0.0},
        kpi_targets={("市场部", "MKT-04"): 95.0, ("人力资源部", "HR-01"): 800.0},
    )
    prepared = prepare(company, period=period)
    fast = rescore(prepared, scenario)
    rows = apply(prepared.rows, scenario)
    full = build(rows, settings=scenario.settings(DEFAULTS))
    for table in ("perspectives", "departments", "organization", "collaboration"):
        frames_equal(getattr(fast, table), getattr(full, table))


@pytest.mark.parametrize("weighting", [PERSPECTIVE, DEPARTMENT])
def test_scaling_every_weight_changes_nothing(company, weighting):
    """Weights are relative once the rule is fixed (`auto` reads the totals, SPEC §5.3)."""
    settings = DEFAULTS.with_(weighting=weighting)
    october = prepare(company, settings=settings, period="2026-10")
    baseline = compare(october, settings, Scenario())
    rows = october.rows
    keys = list(zip(rows["department"], kpi_labels(rows), strict=True))
    scaled = Scenario(
        perspective_weights={p: 7.0 * w for p, w in DEFAULTS.perspective_weights.items()},
        department_weights={d: 3.5 for d in rows["department"].unique()},
        kpi_weights={  # rows with a weight: veto gates and bonus/penalty items have none
            key: 40.0 * float(w)
            for key, w in zip(keys, rows["weight"], strict=True)
            if not np.isnan(w)
        },
    )
    result = compare(october, settings, scaled)
    np.testing.assert_allclose(result.departments["scenario"], baseline.departments["baseline"])
    np.testing.assert_allclose(result.organization["scenario"], baseline.organization["baseline"])
    assert (result.departments["rank_change"] == 0).all()


def test_a_scenario_leaves_the_stored_rows_unchanged(company):
    before = company.copy(deep=True)
    scenario = Scenario(
        perspective_weights={
            "financial": 1,
            "customer": 0,
            "internal_process": 0,
            "learning_growth": 0,
        },
        kpi_weights={("市场部", "MKT-01"): 9.0},
        kpi_targets={("市场部", "MKT-04"): 1.0},
    )
    edited = apply(company, scenario)
    prepared = prepare(company, period="2026-10")
    compare(prepared, DEFAULTS, scenario)
    rescore(prepared, scenario)
    pd.testing.assert_frame_equal(company, before)
    mask = (edited["department"] == "市场部") & (edited["kpi_id"] == "MKT-04")
    assert (edited.loc[mask, "target"] == 1.0).all()
    assert not (company.loc[mask, "target"] == 1.0).any()


def test_a_scenario_keeps_its_own_copy_of_the_weights():
    weights = {"financial": 1.0, "customer": 1.0}
    scenario = Scenario(perspective_weights=weights)
    weights["financial"] = 100.0
    assert scenario.perspective_weights == {"financial": 1.0, "customer": 1.0}


@pytest.mark.parametrize(
    "fields",
    [
        {"perspective_weights": {"financial": -1.0}},
        {"perspective_weights": dict.fromkeys(PERSPECTIVES, 0.0)},
        {"department_weights": {"市场部": float("nan")}},
        {"kpi_weights": {("市场部", "M1"): -0.5}},
    ],
)
def test_weights_no_roll_up_can_use_are_refused(fields):
    with pytest.raises(ValueError):
        Scenario(**fields)


def two_departments():
    """A strong in financial, B strong in customer: who leads depends on the weights."""
    rows = [
        kpi(department="A部", kpi_name="f", perspective="financial", target=100.0, actual=110.0),
        kpi(department="A部", kpi_name="c", perspective="customer", target=100.0, actual=90.0),
        kpi(department="B部", kpi_name="f", perspective="financial", target=100.0, actual=90.0),
        kpi(department="B部", kpi_name="c", perspective="customer", target=100.0, actual=112.0),
        kpi(department="C部", kpi_name="f", perspective="financial", target=100.0, actual=60.0),
        kpi(department="C部", kpi_name="c", perspective="customer", target=100.0, actual=60.0),
    ]
    return pd.DataFrame(rows)


def test_compare_ranks_and_rank_change():
    prepared = prepare(two_departments(), period="2026-10")
    customer_first = Scenario(perspective_weights={"financial": 1, "customer": 3})
    result = compare(prepared, DEFAULTS, customer_first).departments.set_index("department")
    # baseline 30/30: A 100, B 101 -> B first; customer-heavy widens B's lead
    assert result["baseline_rank"].to_dict() == {"A部": 2, "B部": 1, "C部": 3}
    financial_first = Scenario(perspective_weights={"financial": 3, "customer": 1})
    moved = compare(prepared, DEFAULTS, financial_first).departments.set_index("department")
    assert moved["scenario_rank"].to_dict() == {"A部": 1, "B部": 2, "C部": 3}
    assert moved["rank_change"].to_dict() == {"A部": 1, "B部": -1, "C部": 0}
    assert moved.loc["A部", "change"] == pytest.approx(moved.loc["A部", "scenario"] - 100.0)


def test_rank_ranges_find_the_pair_whose_order_depends_on_the_weights():
    card = build(two_departments(), period="2026-10")
    weights = {"financial": 50.0, "customer": 50.0}
    ranges = rank_ranges(
        card.perspectives,
        weights=weights,
        departments=card.departments,
        spread_points=20,
        samples=500,
        seed=1,
    )
    got = ranges.set_index("department")
    assert got["depends"].to_dict() == {"A部": True, "B部": True, "C部": False}
    assert (got.loc["C部", ["min_rank", "max_rank", "baseline_rank"]] == 3).all()
    assert got.loc["A部", "min_rank"] == 1 and got.loc["A部", "max_rank"] == 2
    still = rank_ranges(
        card.perspectives,
        weights=weights,
        departments=card.departments,
        spread_points=0,
        samples=50,
    )
    assert not still["depends"].any()
    assert (still["stable_share"] == 1.0).all()


def test_sampled_weights_stay_within_the_band_and_on_the_simplex():
    center = {"financial": 30, "customer": 30, "internal_process": 25, "learning_growth": 15}
    w = sample_weights(center, spread_points=10, samples=3000, seed=3)
    assert w.shape == (4, 3000)
    np.testing.assert_allclose(w.sum(axis=0), 100.0)
    base = np.array([30.0, 30.0, 25.0, 15.0])
    assert (np.abs(w - base[:, None]) <= 10 + 1e-9).all()
    np.testing.assert_allclose(w[:, 0], base)  # column 0: the centre itself
    near_zero = sample_weights({"financial": 95, "customer": 5}, spread_points=10, samples=500)
    assert (near_zero >= 0).all()


def test_redistribute_keeps_each_cells_weight_and_shares_it_by_the_method():
    rows = pd.DataFrame(
        [
            kpi(department="A部", kpi_id="A1", kpi_name="营收", weight=30.0),
            kpi(department="A部", kpi_id="A2", kpi_name="利润", weight=10.0),
            kpi(department="A部", kpi_id="A3", kpi_name="其他", weight=60.0),
            kpi(department="B部", kpi_id="B1", kpi_name="營收", weight=5.0),  # traditional
        ]
    )
    overrides = redistribute(rows, {"营收": 0.75, "利润": 0.25})
    assert overrides[("A部", "A1")] == pytest.approx(30.0)  # 40 * 0.75
    assert overrides[("A部", "A2")] == pytest.approx(10.0)  # 40 * 0.25
    assert ("A部", "A3") not in overrides
    assert overrides[("B部", "B1")] == pytest.approx(5.0)  # alone in its cell
