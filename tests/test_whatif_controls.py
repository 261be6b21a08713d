"""What the What-if page's controls mean, as engine functions tested without Streamlit:
slider weights as shares of 100, the one scenario a rerun builds from the controls, the
AHP and entropy variants of it, the headline figures and the saved scenarios side by side."""

import math

import pandas as pd
import pytest

from kpi_engine import DEFAULTS
from kpi_engine.core.weights import ahp, entropy_weights, perspective_matrix
from kpi_engine.core.whatif import (
    AHP,
    ENTROPY,
    MANUAL,
    Scenario,
    compare,
    entropy_shares,
    from_controls,
    headline,
    percentages,
    prepare,
    redistribute,
    scenario_scores,
    scored_departments,
    with_ahp,
    with_entropy,
)
from tests.kpi_rows import kpi

FROM_BASELINE = Scenario(name="")  # the controls' start before anything is loaded
SLIDERS = {"financial": 30.0, "customer": 70.0, "internal_process": 25.0, "learning_growth": 15.0}


def three_departments():
    """A strong in financial, B in customer, C weak in both (scores = actual / target)."""
    rows = [
        kpi(department="A部", kpi_name="营收", perspective="financial", target=100.0, actual=110.0),
        kpi(department="A部", kpi_name="满意度", perspective="customer", target=100.0, actual=90.0),
        kpi(department="B部", kpi_name="营收", perspective="financial", target=100.0, actual=90.0),
        kpi(
            department="B部", kpi_name="满意度", perspective="customer", target=100.0, actual=112.0
        ),
        kpi(department="C部", kpi_name="营收", perspective="financial", target=100.0, actual=60.0),
        kpi(department="C部", kpi_name="满意度", perspective="customer", target=100.0, actual=60.0),
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def prepared():
    return prepare(three_departments(), period="2026-10")


def controls(base=FROM_BASELINE, sliders=SLIDERS, **changes):
    """`from_controls` with nothing edited but what a test passes."""
    fields = {"name": "试", "department_weights": {}, "kpi_weights": {}, "kpi_targets": {}}
    return from_controls(base, sliders, **{**fields, **changes})


def test_percentages_are_shares_of_100_of_the_four_perspectives():
    shares = percentages({"financial": 1, "customer": 3, "other": 50})
    assert shares == {
        "financial": 25.0,
        "customer": 75.0,
        "internal_process": 0.0,
        "learning_growth": 0.0,
    }
    assert percentages({"financial": -5, "customer": 5})["customer"] == 100.0  # negative: 0
    assert set(percentages({}).values()) == {0.0}  # nothing to share: all 0, no error
    assert sum(percentages(SLIDERS).values()) == pytest.approx(100.0)


def test_the_controls_make_one_manual_scenario():
    scenario = controls(
        department_weights={"A部": 2.0},
        kpi_weights={("A部", "营收"): 3.0},
        kpi_targets={("B部", "满意度"): 120.0},
    )
    assert scenario.name == "试" and scenario.method == MANUAL
    assert scenario.perspective_weights == SLIDERS
    assert scenario.department_weights == {"A部": 2.0}
    assert scenario.kpi_weights == {("A部", "营收"): 3.0}
    assert scenario.kpi_targets == {("B部", "满意度"): 120.0}


def test_sliders_all_at_zero_keep_the_baseline_weights():
    scenario = controls(sliders=dict.fromkeys(SLIDERS, 0.0))
    assert scenario.perspective_weights is None
    assert scenario.settings(DEFAULTS).perspective_weights == DEFAULTS.perspective_weights


def test_sliders_showing_a_methods_rounded_shares_keep_its_exact_weights_and_method():
    exact = {"financial": 1.0, "customer": 2.0, "internal_process": 3.0, "learning_growth": 1.0}
    method = Scenario(name="层次分析法 1", perspective_weights=exact, method=AHP)
    shown = {p: round(v, 1) for p, v in percentages(exact).items()}  # what `load` sets
    kept = controls(base=method, sliders=shown)
    assert kept.perspective_weights == exact and kept.method == AHP
    moved = controls(base=method, sliders={**shown, "customer": shown["customer"] + 1.0})
    assert moved.method == MANUAL and moved.perspective_weights["customer"] == pytest.approx(29.6)
    loaded = Scenario(name="手动", perspective_weights=exact)  # a manual one: sliders rule
    assert controls(base=loaded, sliders=shown).perspective_weights == shown


def test_ahp_and_entropy_are_variants_of_the_scenario_shown(prepared):
    scenario = controls(department_weights={"A部": 2.0}, kpi_targets={("B部", "满意度"): 120.0})
    result = ahp([[1, 1 / 3], [3, 1]], names=["financial", "customer"])
    by_ahp = with_ahp(scenario, result, name="层次分析法 1")
    assert by_ahp.name == "层次分析法 1" and by_ahp.method == AHP
    assert by_ahp.perspective_weights == pytest.approx({"financial": 25.0, "customer": 75.0})
    assert by_ahp.department_weights == scenario.department_weights
    assert by_ahp.kpi_targets == scenario.kpi_targets

    shares = entropy_shares(prepared, "perspective")
    expected = entropy_weights(perspective_matrix(prepared.baseline.perspectives))
    pd.testing.assert_series_equal(shares["weight"], expected["weight"])
    by_perspective = with_entropy(
        scenario, prepared, shares["weight"], level="perspective", name="熵"
    )
    assert by_perspective.method == ENTROPY
    assert by_perspective.perspective_weights == pytest.approx(
        {p: 100.0 * w for p, w in expected["weight"].items()}
    )

    kpis = entropy_shares(prepared, "kpi")
    assert list(kpis.index) == ["营收", "满意度"]
    by_kpi = with_entropy(scenario, prepared, kpis["weight"], level="kpi", name="熵")
    assert by_kpi.perspective_weights == scenario.perspective_weights  # KPI level: KPI weights
    assert by_kpi.kpi_weights == redistribute(prepared.rows, kpis["weight"].to_dict())
    assert by_kpi.kpi_targets == scenario.kpi_targets


def test_headline_is_the_periods_organisation_score_and_the_rank_moves(prepared):
    financial_first = Scenario(perspective_weights={"financial": 3, "customer": 1})
    comparison = compare(prepared, DEFAULTS, financial_first)
    top = headline(comparison, "2026-10")
    organisation = comparison.organization.set_index("period").loc["2026-10"]
    assert top.baseline == organisation["baseline"]
    assert top.scenario == organisation["scenario"]
    assert top.change == pytest.approx(top.scenario - top.baseline)
    assert top.rank_moves == 2  # A and B swap, C stays third
    none = headline(comparison, "2026-09")
    assert math.isnan(none.baseline) and math.isnan(none.change)


def test_saved_scenarios_side_by_side_score_as_a_comparison_does(prepared):
    saved = [
        Scenario(name="财务优先", perspective_weights={"financial": 3, "customer": 1}),
        Scenario(name="目标", kpi_targets={("C部", "营收"): 60.0}, method=ENTROPY),
    ]
    table = scenario_scores(prepared, saved)
    assert list(table["name"]) == ["财务优先", "目标"]
    assert list(table["method"]) == [MANUAL, ENTROPY]
    assert table.loc[0, ["financial", "customer"]].tolist() == [75.0, 25.0]
    assert table.loc[1, "financial"] == pytest.approx(30.0)  # the baseline's 30/30/25/15
    for row, scenario in zip(table.itertuples(), saved, strict=True):
        organisation = compare(prepared, DEFAULTS, scenario).organization.iloc[0]
        assert row.score == pytest.approx(organisation["scenario"])
        assert row.change == pytest.approx(organisation["change"])
    assert table.loc[1, "change"] > 0  # C部 meets its lowered target


def test_the_editors_list_the_scored_departments_sorted(prepared):
    assert scored_departments(prepared) == ["A部", "B部", "C部"]
