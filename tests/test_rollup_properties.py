"""Properties of the roll-ups: weights are relative, and a missing KPI is a dropped KPI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_rows import NAN, frame, kpi

from kpi_engine.core.rollup import Rollup, expand_shared, rollup
from kpi_engine.core.schema import PERSPECTIVES
from kpi_engine.core.scoring import score
from kpi_engine.core.settings import AUTO, DEFAULTS, DEPARTMENT, PERSPECTIVE

DEPARTMENTS = ("市场部", "生产部", "财务部")
PERIODS = ("2026-09", "2026-10")
TABLES = ("perspectives", "departments", "organization", "collaboration")

rows = st.lists(
    st.tuples(
        st.sampled_from(DEPARTMENTS),
        st.sampled_from(PERSPECTIVES),
        st.sampled_from(PERIODS),
        st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=100.0)),  # weight
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=150.0)),  # actual
        st.one_of(st.just(()), st.tuples(st.sampled_from(DEPARTMENTS))),  # shared with
    ),
    min_size=1,
    max_size=25,
)


def kpis(drawn: list[tuple], *, scale: float = 1.0) -> pd.DataFrame:
    """Higher-is-better KPIs with target 100, so each score is its actual clipped to the cap."""
    return frame(
        *(
            kpi(
                department=d,
                perspective=p,
                period=m,
                weight=w * scale,
                actual=NAN if a is None else a,
                target=100.0,
                shared_with=s,
            )
            for d, p, m, w, a, s in drawn
        )
    )


def rolled(df: pd.DataFrame, weighting: str = AUTO) -> Rollup:
    return rollup(expand_shared(score(df)), settings=DEFAULTS.with_(weighting=weighting))


# Laws of relative weights hold once the rule is fixed: `auto` reads whether a department's
# own weights add up to 100 (SPEC §5.3), which scaling or dropping a KPI changes.
fixed_rules = st.sampled_from([PERSPECTIVE, DEPARTMENT])


def assert_same_table(left: pd.DataFrame, right: pd.DataFrame, columns: list[str]) -> None:
    # a department's weighted score before bonus, penalty and veto is a score too
    numbers = [c for c in ("score", "coverage", "score_before") if c in left.columns]
    assert left.drop(columns=numbers).equals(right.drop(columns=numbers))
    for column in [*columns, *(["score_before"] if "score_before" in left.columns else [])]:
        np.testing.assert_allclose(left[column], right[column], rtol=1e-9, atol=1e-9)


@pytest.mark.slow
@given(rows, st.floats(min_value=1e-3, max_value=1e3), fixed_rules)
def test_scaling_all_kpi_weights_changes_nothing(
    drawn: list[tuple], scale: float, weighting: str
) -> None:
    base = rolled(kpis(drawn), weighting)
    scaled = rolled(kpis(drawn, scale=scale), weighting)
    for table in TABLES:
        assert_same_table(getattr(base, table), getattr(scaled, table), ["score", "coverage"])


@pytest.mark.slow
@given(rows, st.data(), fixed_rules)
def test_missing_kpi_equals_dropping_it(
    drawn: list[tuple], data: st.DataObject, weighting: str
) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(drawn) - 1))
    missing = [*drawn[:i], (*drawn[i][:4], None, drawn[i][5]), *drawn[i + 1 :]]
    dropped = [*drawn[:i], *drawn[i + 1 :]]
    with_missing = rolled(kpis(missing), weighting)
    keys = {
        "perspectives": ["department", "period", "perspective"],
        "departments": ["department", "period"],
        "organization": ["period"],
        "collaboration": ["department", "period"],
    }
    without = rolled(kpis(dropped), weighting) if dropped else None
    department, _, period, *_ = drawn[i]
    if not any(r[0] == department and r[2] == period for r in dropped):
        # Dropping its last own KPI leaves the department a partner only, and a partner
        # only does not enter the organisation score (SPEC §3): not the same thing.
        del keys["organization"]
    for table, on in keys.items():
        left = getattr(with_missing, table)
        right = getattr(without, table) if without else left.iloc[:0]
        merged = left.merge(right, on=on, how="left", suffixes=("", "_dropped"))
        # Where the dropped frame has the group, scores agree (renormalised weights) ...
        np.testing.assert_allclose(merged["score"], merged["score_dropped"], rtol=1e-9, atol=1e-9)
        # ... and a group that only the missing KPI made has no score at all.
        only_missing = merged["coverage_dropped"].isna() & merged["score_dropped"].isna()
        assert merged.loc[only_missing, "score"].isna().all()
