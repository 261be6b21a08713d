"""What-if's rank of a department under each sampled weighting (`whatif._ranks`): 1 + the
number of departments scoring strictly higher, ties sharing the best rank, no rank without a
score. Worked out by sorting each sample, it must equal that definition, pair by pair."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kpi_engine.core.whatif import _ranks

# Few distinct values, so ties are common; NaN for a department without a score.
cells = st.sampled_from([np.nan, 0.0, 60.0, 60.0, 75.5, 100.0, 120.0])
shapes = st.tuples(st.integers(1, 25), st.integers(1, 8))


@given(shapes.flatmap(lambda shape: arrays(float, shape, elements=cells)))
def test_a_rank_counts_the_departments_strictly_higher(scores: np.ndarray) -> None:
    higher = (scores[None, :, :] > scores[:, None, :]).sum(axis=1)
    expected = np.where(np.isnan(scores), np.nan, 1.0 + higher)
    np.testing.assert_array_equal(_ranks(scores), expected)
