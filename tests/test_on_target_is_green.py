"""Exactly on target is green (SPEC §3): scores on a KPI's anchors are exact, whatever
floating-point arithmetic makes of 0.17 / 0.17, and bands compare the score as a person
reads it, at every level of the roll-up."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_rows import NAN, frame, kpi, scored

from kpi_engine.core.scorecard import build
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import DEFAULTS, Settings

PERCENTS = [k / 100 for k in range(1, 101)]  # 1 % ... 100 %, as Excel stores them

# Targets of every size a sheet writes: whole percents, money, parts per million, any number.
targets = st.one_of(
    st.sampled_from(PERCENTS),
    st.floats(min_value=1e6, max_value=1e12),
    st.floats(min_value=1e-9, max_value=1e-3),
    st.floats(min_value=1e-3, max_value=1e6),
)
# How far the other anchors lie from the target, relative to it or absolute.
gaps = st.one_of(
    st.floats(min_value=1e-3, max_value=10.0), st.floats(min_value=1e-6, max_value=1e6)
)
settings = st.builds(
    Settings,
    cap=st.floats(min_value=100.0, max_value=500.0),
    base_score=st.floats(min_value=0.0, max_value=99.0),
)


def assert_on_target(s: Settings, **fields: object) -> None:
    row = scored(s, **fields)
    assert row["score"] == 100.0  # exactly, not 99.99999999999999
    assert row["status"] == "green"


@pytest.mark.slow
@given(targets, st.sampled_from(["higher", "lower"]), settings)
def test_on_target_with_the_default_floor(target: float, direction: str, s: Settings) -> None:
    assert_on_target(s, direction=direction, target=target, actual=target)


@pytest.mark.slow
@given(
    st.one_of(targets, targets.map(lambda t: -t)),
    gaps,
    st.sampled_from(["higher", "lower"]),
    settings,
)
def test_on_target_with_a_floor_of_any_sign(
    target: float, gap: float, direction: str, s: Settings
) -> None:
    """Negative targets and floors too: a floor below zero for a loss, a margin..."""
    floor = target - gap if direction == "higher" else target + gap
    if floor == target:
        return  # the gap vanished against a big target: not a line
    assert_on_target(s, direction=direction, target=target, floor=floor, actual=target)
    assert scored(s, direction=direction, target=target, floor=floor, actual=floor)["score"] == 0


@pytest.mark.slow
@given(targets, gaps, st.one_of(st.none(), gaps), st.sampled_from(["higher", "lower"]), settings)
def test_three_value_anchors_are_exact(
    target: float, below: float, above: float | None, direction: str, s: Settings
) -> None:
    sign = 1.0 if direction == "higher" else -1.0
    threshold = target - sign * below
    stretch = NAN if above is None else target + sign * above
    if threshold == target or stretch == target:
        return  # a gap lost against a big target
    anchors = {"direction": direction, "target": target, "threshold": threshold, "stretch": stretch}
    assert_on_target(s, actual=target, **anchors)
    assert scored(s, actual=threshold, **anchors)["score"] == s.base_score
    if above is not None:
        assert scored(s, actual=stretch, **anchors)["score"] == s.cap


@pytest.mark.slow
@given(targets, st.floats(min_value=0.0, max_value=10.0), st.one_of(st.none(), gaps), settings)
def test_range_bounds_score_100(
    low: float, width: float, floor_gap: float | None, s: Settings
) -> None:
    high = low + width * low
    floor = NAN if floor_gap is None else low - floor_gap
    if (high == low and floor_gap is None) or floor == low:
        return  # a point range needs a floor to fall off towards
    anchors = {"direction": "range", "target_low": low, "target_high": high, "floor": floor}
    for bound in (low, high):
        assert_on_target(s, actual=bound, **anchors)
    if floor_gap is not None:
        assert scored(s, actual=floor, **anchors)["score"] == 0


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_every_whole_percent_target_met_is_100_and_green(direction: str) -> None:
    """17 % against 17 % was 99.99999999999999 and amber; 9 of the 100 targets did that."""
    kpis = frame(*(kpi(direction=direction, target=p, actual=p) for p in PERCENTS))
    card = build(kpis)
    assert (card.kpis["score"] == 100.0).all()
    assert (card.kpis["status"] == "green").all()


def test_a_department_all_on_target_is_exactly_100_at_every_level() -> None:
    """A weighted mean of 100s is 100 (not 99.99999999999999), and green, all the way up."""
    weights = [0.1, 0.2, 0.7, 0.3, 1 / 3, 0.15, 17.0, 0.01]
    perspectives = ["financial", "customer", "internal_process", "learning_growth"] * 2
    kpis = frame(
        *(
            kpi(
                department=department,
                kpi_name=f"k{i}",
                perspective=perspective,
                weight=w,
                target=p,
                actual=p,
                shared_with=("财务部",) if i == 0 else (),
            )
            for department in ("市场部", "生产部")
            for i, (w, perspective, p) in enumerate(
                zip(weights, perspectives, PERCENTS[10:], strict=False)
            )
        )
    )
    card = build(kpis, settings=DEFAULTS.with_(department_weights={"市场部": 0.3}))
    for table in (card.perspectives, card.departments, card.organization, card.collaboration):
        assert (table["score"] == 100.0).all()
        assert (table["coverage"] == 1.0).all()
        assert (statuses(table["score"]) == "green").all()


@pytest.mark.slow
@given(
    st.lists(st.floats(min_value=1e-6, max_value=1e6), min_size=1, max_size=12),
    st.sampled_from(PERCENTS),
)
def test_any_weights_of_kpis_on_target_roll_up_to_100(weights: list[float], p: float) -> None:
    kpis = frame(
        *(kpi(kpi_name=f"k{i}", weight=w, target=p, actual=p) for i, w in enumerate(weights))
    )
    card = build(kpis)
    assert card.perspectives["score"].tolist() == [100.0]
    assert card.departments["score"].tolist() == [100.0]
    assert card.organization["score"].tolist() == [100.0]


def test_bands_read_the_score_as_a_person_does() -> None:
    """Noise in the 14th digit is no score change; a real shortfall stays one."""
    scores = np.array([99.99999999999999, 100.00000000000001, 79.99999999999999, 99.9999, NAN])
    assert statuses(scores).tolist() == ["green", "green", "amber", "amber", None]
