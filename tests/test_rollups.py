"""Roll-ups (SPEC §3): weighted means over scored children, renormalised, with coverage.

Every KPI here is higher-is-better with target 100 and no floor, so its score is its actual.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from kpi_rows import NAN, frame, kpi

from kpi_engine.core.rollup import Rollup, expand_shared, rollup
from kpi_engine.core.scoring import score
from kpi_engine.core.settings import DEFAULTS, Settings


def k(actual: float, **fields: object) -> dict[str, object]:
    """A KPI whose score is `actual` (target 100, higher is better)."""
    return kpi(actual=actual, target=100.0, **fields)


def rolled(*rows: dict[str, object], settings: Settings = DEFAULTS) -> Rollup:
    return rollup(expand_shared(score(frame(*rows))), settings=settings)


def cell(table: pd.DataFrame, column: str, **keys: str) -> float:
    """The one value of `column` in the row matching `keys`."""
    mask = pd.Series(True, index=table.index)
    for key, value in keys.items():
        mask &= table[key] == value
    assert mask.sum() == 1, f"{keys} matches {mask.sum()} rows"
    return float(table.loc[mask, column].iloc[0])


def persp(r: Rollup, column: str = "score", **keys: str) -> float:
    keys = {"department": "市场部", "period": "2026-10", "perspective": "financial", **keys}
    return cell(r.perspectives, column, **keys)


def dept(r: Rollup, column: str = "score", **keys: str) -> float:
    return cell(r.departments, column, **{"department": "市场部", "period": "2026-10", **keys})


# -- department x perspective ------------------------------------------------------------------


def test_missing_kpi_renormalises_weights() -> None:
    r = rolled(k(80.0, weight=50.0), k(100.0, weight=30.0), k(NAN, weight=20.0))
    # (50 * 80 + 30 * 100) / (50 + 30) = 7000 / 80
    assert persp(r) == pytest.approx(87.5)
    # 80 of the 100 weight was scored
    assert persp(r, "coverage") == pytest.approx(0.8)


def test_missing_kpi_equals_renormalised_weights_without_it() -> None:
    with_missing = rolled(k(80.0, weight=50.0), k(100.0, weight=30.0), k(NAN, weight=20.0))
    renormalised = rolled(k(80.0, weight=50.0 / 80.0), k(100.0, weight=30.0 / 80.0))
    assert persp(with_missing) == pytest.approx(persp(renormalised))
    assert persp(renormalised, "coverage") == pytest.approx(1.0)


@pytest.mark.parametrize("weights", [(0.2, 0.3, 0.5), (20.0, 30.0, 50.0), (2.0, 3.0, 5.0)])
def test_percent_fraction_and_points_weights_agree(weights: tuple[float, ...]) -> None:
    # 20%, 0.2 and 20 are the same weight once renormalised: 0.2*70 + 0.3*90 + 0.5*100 = 91.
    r = rolled(*(k(a, weight=w) for a, w in zip((70.0, 90.0, 100.0), weights, strict=True)))
    assert persp(r) == pytest.approx(91.0)
    assert persp(r, "coverage") == pytest.approx(1.0)


def test_zero_weight_is_not_counted() -> None:
    r = rolled(k(80.0), k(20.0, weight=0.0), k(100.0))
    assert persp(r) == pytest.approx(90.0)
    missing = rolled(k(80.0), k(NAN, weight=0.0), k(100.0))
    assert persp(missing, "coverage") == pytest.approx(1.0)


def test_all_zero_weights_give_no_score_and_are_not_a_child() -> None:
    r = rolled(
        k(80.0, weight=0.0, perspective="customer"),
        k(60.0, perspective="financial"),
        k(NAN, perspective="financial"),
    )
    assert math.isnan(persp(r, perspective="customer"))
    assert math.isnan(persp(r, "coverage", perspective="customer"))
    # The department is its financial perspective alone: score 60, coverage 0.5.
    assert dept(r) == pytest.approx(60.0)
    assert dept(r, "coverage") == pytest.approx(0.5)


# -- department ------------------------------------------------------------------------------


FOUR = (
    k(80.0, perspective="financial"),
    k(90.0, perspective="customer"),
    k(100.0, perspective="internal_process"),
    k(60.0, perspective="learning_growth"),
)


def test_default_perspective_weights() -> None:
    # (30 * 80 + 30 * 90 + 25 * 100 + 15 * 60) / 100 = 8500 / 100
    assert dept(rolled(*FOUR)) == pytest.approx(85.0)
    assert dept(rolled(*FOUR), "coverage") == pytest.approx(1.0)


def test_custom_perspective_weights() -> None:
    equal = Settings(
        perspective_weights={
            "financial": 1.0,
            "customer": 1.0,
            "internal_process": 1.0,
            "learning_growth": 1.0,
        }
    )
    assert dept(rolled(*FOUR, settings=equal)) == pytest.approx(82.5)  # 330 / 4
    finance_only = Settings(
        perspective_weights={
            "financial": 1.0,
            "customer": 0.0,
            "internal_process": 0.0,
            "learning_growth": 0.0,
        }
    )
    assert dept(rolled(*FOUR, settings=finance_only)) == pytest.approx(80.0)


def test_department_over_perspectives_present() -> None:
    r = rolled(k(80.0, perspective="financial"), k(60.0, perspective="learning_growth"))
    # (30 * 80 + 15 * 60) / (30 + 15) = 3300 / 45
    assert dept(r) == pytest.approx(220.0 / 3.0)


def test_department_coverage() -> None:
    r = rolled(
        k(80.0, perspective="financial"),
        k(NAN, perspective="financial"),
        k(90.0, perspective="customer"),
        k(NAN, perspective="internal_process"),
    )
    assert persp(r, "coverage", perspective="financial") == pytest.approx(0.5)
    assert math.isnan(persp(r, perspective="internal_process"))
    assert persp(r, "coverage", perspective="internal_process") == pytest.approx(0.0)
    # score over financial and customer: (30 * 80 + 30 * 90) / 60
    assert dept(r) == pytest.approx(85.0)
    # coverage over the three perspectives with KPIs: (30*0.5 + 30*1 + 25*0) / 85
    assert dept(r, "coverage") == pytest.approx(45.0 / 85.0)


# -- organisation ----------------------------------------------------------------------------


TWO_DEPARTMENTS = (
    k(80.0, department="市场部"),
    k(NAN, department="市场部"),
    k(100.0, department="生产部"),
)


def test_organization_equal_department_weights_by_default() -> None:
    org = rolled(*TWO_DEPARTMENTS).organization
    assert cell(org, "score", period="2026-10") == pytest.approx(90.0)
    assert cell(org, "coverage", period="2026-10") == pytest.approx(0.75)  # (0.5 + 1) / 2


def test_organization_with_department_weights() -> None:
    weights = Settings(department_weights={"市场部": 3.0})  # 生产部 keeps weight 1
    org = rolled(*TWO_DEPARTMENTS, settings=weights).organization
    assert cell(org, "score", period="2026-10") == pytest.approx(85.0)  # (240 + 100) / 4
    assert cell(org, "coverage", period="2026-10") == pytest.approx(0.625)  # (1.5 + 1) / 4


def test_organization_skips_unscored_department_but_counts_its_coverage() -> None:
    org = rolled(*TWO_DEPARTMENTS, k(NAN, department="财务部")).organization
    assert cell(org, "score", period="2026-10") == pytest.approx(90.0)
    assert cell(org, "coverage", period="2026-10") == pytest.approx(0.5)  # (0.5 + 1 + 0) / 3


def test_periods_roll_up_separately() -> None:
    r = rolled(k(80.0, period="2026-09"), k(100.0, period="2026-10"))
    org = r.organization
    assert list(org["period"]) == ["2026-09", "2026-10"]
    assert list(org["score"]) == pytest.approx([80.0, 100.0])


# -- shared KPIs -----------------------------------------------------------------------------


def test_shared_kpi_counts_in_partner_department_same_perspective() -> None:
    kpis = frame(
        k(90.0, department="市场部", perspective="customer", weight=2.0, shared_with=("生产",)),
        k(70.0, department="生产部", perspective="customer", weight=2.0),
    )
    expanded = expand_shared(score(kpis))
    assert len(expanded) == 3
    copy = expanded.iloc[2]
    assert copy["department"] == "生产部"  # '生产' matched the frame's spelling
    assert copy["owner_department"] == "市场部"
    assert copy["perspective"] == "customer"
    assert copy["score"] == pytest.approx(90.0)
    assert copy["actual"] == pytest.approx(90.0)
    assert copy["target"] == pytest.approx(100.0)
    assert copy["weight"] == pytest.approx(2.0)
    assert bool(copy["is_shared"])
    assert list(expanded["is_shared"]) == [True, False, True]
    r = rollup(expanded)
    assert persp(r, department="生产部", perspective="customer") == pytest.approx(80.0)
    assert persp(r, department="市场部", perspective="customer") == pytest.approx(90.0)


def test_owner_rows_keep_their_order_and_owner() -> None:
    kpis = frame(k(90.0, shared_with=("生产部",)), k(50.0), index=[5, 3])
    expanded = expand_shared(score(kpis))
    assert list(expanded["score"]) == pytest.approx([90.0, 50.0, 90.0])
    assert list(expanded["owner_department"]) == ["市场部", "市场部", "市场部"]
    assert list(expanded["department"]) == ["市场部", "市场部", "生产部"]


def test_partner_matching_skips_owner_and_repeats() -> None:
    kpis = frame(
        k(90.0, department="Sales Dept", shared_with=("sales", "Production", "production dept")),
        k(70.0, department="Production"),
    )
    expanded = expand_shared(score(kpis))
    assert list(expanded["department"]) == ["Sales Dept", "Production", "Production"]


def test_partner_not_in_frame_keeps_its_name() -> None:
    expanded = expand_shared(score(frame(k(90.0, shared_with=("财务部",)))))
    assert list(expanded["department"]) == ["市场部", "财务部"]


def test_empty_or_missing_partner_lists_are_not_shared() -> None:
    kpis = frame(k(90.0, shared_with=None), k(80.0, shared_with=("",)), k(70.0))
    expanded = expand_shared(score(kpis))
    assert len(expanded) == 3
    assert not expanded["is_shared"].any()


def test_rows_without_period_are_left_out_of_rollups() -> None:
    r = rolled(k(80.0), k(20.0, period=None))
    assert list(r.perspectives["period"]) == ["2026-10"]
    assert persp(r) == pytest.approx(80.0)


def test_no_shared_kpis() -> None:
    expanded = expand_shared(score(frame(k(90.0), k(80.0))))
    assert len(expanded) == 2
    assert not expanded["is_shared"].any()
    assert rollup(expanded).collaboration.empty


def test_collaboration_score() -> None:
    r = rolled(
        k(60.0, department="市场部", weight=2.0, shared_with=("生产",)),
        k(90.0, department="生产部", weight=1.0, shared_with=("市场",)),
        k(NAN, department="市场部", weight=1.0, shared_with=("财务部",)),
        k(10.0, department="市场部", weight=5.0),  # not shared: not in collaboration
        k(20.0, department="生产部", weight=5.0),
    )
    collab = r.collaboration
    assert list(collab["department"]) == sorted(["市场部", "生产部", "财务部"])
    # 市场部: (2 * 60 + 1 * 90) / 3 over scored; coverage 3 of 4 weight
    assert cell(collab, "score", department="市场部") == pytest.approx(70.0)
    assert cell(collab, "coverage", department="市场部") == pytest.approx(0.75)
    assert cell(collab, "score", department="生产部") == pytest.approx(70.0)
    assert cell(collab, "coverage", department="生产部") == pytest.approx(1.0)
    assert math.isnan(cell(collab, "score", department="财务部"))
    assert cell(collab, "coverage", department="财务部") == pytest.approx(0.0)


# -- the tables ------------------------------------------------------------------------------


def test_tables_columns_and_order() -> None:
    r = rolled(
        k(70.0, department="生产部", perspective="customer"),
        k(80.0, department="生产部", perspective="financial"),
        k(90.0, department="市场部", perspective="customer", period="2026-11"),
        k(60.0, department="市场部", perspective="customer", period="2026-10"),
    )
    assert list(r.perspectives.columns) == [
        "department",
        "period",
        "perspective",
        "score",
        "coverage",
    ]
    assert list(r.departments.columns) == [
        "department",
        "period",
        "score",
        "coverage",
        "weighting",
        "score_before",
        "bonus",
        "penalty",
        "veto",
        "grade",
        "coefficient",
        "distribution_grade",
    ]
    assert list(r.organization.columns) == ["period", "score", "coverage", "grade", "coefficient"]
    assert list(r.collaboration.columns) == ["department", "period", "score", "coverage"]
    # departments and periods ascending, perspectives in scorecard order (financial first)
    assert r.perspectives[["department", "period", "perspective"]].to_numpy().tolist() == [
        ["市场部", "2026-10", "customer"],
        ["市场部", "2026-11", "customer"],
        ["生产部", "2026-10", "financial"],
        ["生产部", "2026-10", "customer"],
    ]
