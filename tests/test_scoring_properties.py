"""Properties of every scoring line: monotone in the actual, within [0, cap], ranges <= 100."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_rows import NAN, frame, kpi

from kpi_engine.core.scoring import anchor_problems, score
from kpi_engine.core.settings import Settings

TOL = 1e-9

values = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
gaps = st.floats(min_value=1e-2, max_value=1e4, allow_nan=False)
actuals = st.lists(values, min_size=2, max_size=30)
caps = st.floats(min_value=1.0, max_value=500.0)
directions = st.sampled_from(["higher", "lower"])


def scores_along(actuals: list[float], settings: Settings, **anchors: object) -> np.ndarray:
    """Scores of one KPI's anchors at each actual, in the order the actuals are given."""
    kpis = frame(*(kpi(actual=a, **anchors) for a in actuals))
    assert anchor_problems(kpis).isna().all(), "the strategy should draw valid anchors"
    return score(kpis, settings=settings)["score"].to_numpy()


def assert_monotone(direction: str, actuals: list[float], s: np.ndarray) -> None:
    """Scores never fall as the actual improves (rises for higher, falls for lower)."""
    order = np.argsort(actuals, kind="stable")
    if direction == "lower":
        order = order[::-1]
    assert np.all(np.diff(s[order]) >= -TOL)


def assert_within(s: np.ndarray, upper: float) -> None:
    assert not np.isnan(s).any()
    assert np.all(s >= 0.0)
    assert np.all(s <= upper + TOL)


@st.composite
def floor_anchors(draw: st.DrawFn) -> dict[str, object]:
    direction = draw(directions)
    if draw(st.booleans()):  # default floor: needs T > 0
        return {"direction": direction, "target": draw(gaps), "floor": NAN}
    target, gap = draw(values), draw(gaps)
    floor = target - gap if direction == "higher" else target + gap
    return {"direction": direction, "target": target, "floor": floor}


@st.composite
def three_value_anchors(draw: st.DrawFn) -> dict[str, object]:
    direction = draw(directions)
    sign = 1.0 if direction == "higher" else -1.0
    target = draw(values)
    threshold = target - sign * draw(gaps)
    stretch = target + sign * draw(gaps) if draw(st.booleans()) else NAN
    return {"direction": direction, "target": target, "threshold": threshold, "stretch": stretch}


@st.composite
def range_anchors(draw: st.DrawFn) -> dict[str, object]:
    low = draw(values)
    high = low + draw(st.one_of(st.just(0.0), gaps))
    side = draw(st.sampled_from(["none", "low", "high"] if high > low else ["low", "high"]))
    floor = {"none": NAN, "low": low - draw(gaps), "high": high + draw(gaps)}[side]
    return {"direction": "range", "target_low": low, "target_high": high, "floor": floor}


@pytest.mark.slow
@given(floor_anchors(), actuals, caps)
def test_floor_monotone_and_within_cap(anchors: dict, acts: list[float], cap: float) -> None:
    s = scores_along(acts, Settings(cap=cap), **anchors)
    assert_within(s, cap)
    assert_monotone(anchors["direction"], acts, s)


@pytest.mark.slow
@given(three_value_anchors(), actuals, caps, st.floats(min_value=0.0, max_value=99.0))
def test_three_value_monotone_and_within_cap(
    anchors: dict, acts: list[float], cap: float, base: float
) -> None:
    s = scores_along(acts, Settings(cap=cap, base_score=base), **anchors)
    assert_within(s, cap)
    assert_monotone(anchors["direction"], acts, s)


@pytest.mark.slow
@given(range_anchors(), actuals, caps)
def test_range_within_100_and_cap(anchors: dict, acts: list[float], cap: float) -> None:
    s = scores_along(acts, Settings(cap=cap), **anchors)
    assert_within(s, min(100.0, cap))
    inside = (np.array(acts) >= anchors["target_low"]) & (np.array(acts) <= anchors["target_high"])
    assert np.all(s[inside] == min(100.0, cap))
