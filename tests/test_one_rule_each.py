"""Each scoring rule written once (issue 13): the weighted mean every level and the what-if
rank ranges use, KPI identity, owner rows, and a what-if scenario re-weighting the
scorecard's own KPI level.

Every KPI here is higher-is-better with target 100 and no floor, so its score is its actual.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from kpi_rows import NAN, frame, kpi

from kpi_engine import DEFAULTS, build, load_paths
from kpi_engine.core.names import kpi_keys, kpi_labels, kpi_parts
from kpi_engine.core.rollup import expand_shared, weighted_mean
from kpi_engine.core.schema import owner_mask, owner_rows
from kpi_engine.core.scoring import score
from kpi_engine.core.whatif import Scenario, prepare, rank_ranges, ranks, rescore
from tests.report_data import SAMPLE_FILES


def k(actual: float, **fields: object) -> dict[str, object]:
    return kpi(actual=actual, target=100.0, **fields)


# -- the weighted mean -------------------------------------------------------------------------


def test_weighted_mean_is_the_ratio_of_the_present_childrens_sums() -> None:
    # children 80 (w 50) and 100 (w 30) present, a third (w 20) absent: left out of both sums
    got = weighted_mean(np.array([50 * 80.0 + 30 * 100.0]), np.array([80.0]))
    assert got[0] == pytest.approx(87.5)


def test_weighted_mean_is_nan_where_nothing_present_weighs() -> None:
    got = weighted_mean(np.array([0.0, 10.0]), np.array([0.0, 0.0]))
    assert np.isnan(got).all()


def test_weighted_mean_stays_between_its_least_and_greatest_child() -> None:
    w = np.array([0.9486494471372439, 0.31183145201048545, 0.42332644897257565])
    total, weight = np.array([(w * 100.0).sum()]), np.array([w.sum()])
    assert weighted_mean(total, weight)[0] != 100.0  # rounding: 99.99999999999999
    assert weighted_mean(total, weight, np.array([100.0]), np.array([100.0]))[0] == 100.0


def test_a_missing_department_is_left_out_of_the_organisation_and_covers_0() -> None:
    card = build(
        frame(
            k(80.0, department="A部"),
            k(NAN, department="B部"),
            k(60.0, department="C部"),
        ),
        settings=DEFAULTS.with_(department_weights={"A部": 2.0, "B部": 5.0}),
    )
    org = card.organization.iloc[0]
    assert org["score"] == pytest.approx((2 * 80.0 + 1 * 60.0) / 3)  # renormalised over A, C
    assert org["coverage"] == pytest.approx((2 * 1.0 + 5 * 0.0 + 1 * 1.0) / 8)


@pytest.fixture(scope="module")
def company() -> pd.DataFrame:
    return load_paths(SAMPLE_FILES).kpis


def test_rank_ranges_rank_departments_as_the_scorecard_does(company: pd.DataFrame) -> None:
    card = build(company, period="2026-10")
    ranges = rank_ranges(
        card.perspectives,
        weights=DEFAULTS.perspective_weights,
        departments=card.departments,
        spread_points=0,
        samples=1,
    )
    expected = card.departments.assign(rank=ranks(card.departments))
    got = dict(zip(ranges["department"], ranges["baseline_rank"], strict=True))
    want = dict(zip(expected["department"], expected["rank"], strict=True))
    assert got == want and len(got) == 7


def test_a_scenario_rolls_the_scorecards_own_kpi_level_up_again(company: pd.DataFrame) -> None:
    prepared = prepare(company, period="2026-Q3")
    same = rescore(prepared, Scenario())
    for table in ("departments", "organization", "organization_perspectives"):
        pd.testing.assert_frame_equal(getattr(same, table), getattr(prepared.baseline, table))


# -- KPI identity ------------------------------------------------------------------------------


def test_kpi_keys_fold_spellings_and_take_the_id_before_the_name() -> None:
    rows = frame(
        kpi(department="采购物流部", kpi_id="PL-01", kpi_name="准时率"),
        kpi(department="採購物流", kpi_id="pl01", kpi_name="準時率 (新)"),  # same id, folded
        kpi(department="采购物流部", kpi_id=None, kpi_name="準時率"),  # no id: by name
        kpi(department="采购物流部", kpi_id=None, kpi_name="准时率"),
        kpi(department="财务部", kpi_id="PL-01", kpi_name="准时率"),  # another department
    )
    assert kpi_keys(rows).tolist() == [0, 0, 1, 1, 2]
    parts = kpi_parts(rows)
    assert parts["kpi_id"].tolist() == ["pl01", "pl01", None, None, "pl01"]
    assert parts.loc[2, "kpi_name"] == parts.loc[3, "kpi_name"]


def test_a_kpi_month_given_twice_in_any_spelling_is_one_kpi_month() -> None:
    rows = frame(
        kpi(kpi_id="MKT-01", period="2026-10"),
        kpi(kpi_id="mkt-01", period="2026-10"),
        kpi(kpi_id="MKT-01", period="2026-11"),
    )
    keys = pd.DataFrame({"kpi": kpi_keys(rows), "period": rows["period"]})
    assert keys.duplicated(keep="last").tolist() == [True, False, False]


def test_kpi_labels_are_the_id_else_the_name_as_written() -> None:
    rows = frame(kpi(kpi_id="MKT-01", kpi_name="营收"), kpi(kpi_id="  ", kpi_name="利润"))
    assert kpi_labels(rows).tolist() == ["MKT-01", "利润"]


# -- owner rows --------------------------------------------------------------------------------


def test_owner_rows_are_the_rows_before_shared_kpi_expansion() -> None:
    rows = frame(
        k(90.0, department="市场部", shared_with=("生产部", "财务部")),
        k(70.0, department="生产部"),
    )
    expanded = expand_shared(score(rows))
    assert len(expanded) == 4
    assert owner_mask(expanded).tolist() == [True, True, False, False]
    assert owner_rows(expanded)["department"].tolist() == ["市场部", "生产部"]
    assert owner_rows(rows) is rows  # never expanded: every row is its owner's
    assert math.isclose(owner_rows(expanded)["score"].sum(), 160.0)
