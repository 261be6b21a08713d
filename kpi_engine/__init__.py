"""KPI balanced-scorecard engine: workbooks in, scores and roll-ups out. No Streamlit here.

loaded = load_files([(name, data), ...])        # ingest + validate
card = build(loaded.kpis, period="2026-Q3")     # score, share, roll up
"""

from .ingest import Loaded, load_files, load_paths
from .issues import Issue
from .rollup import Rollup, expand_shared, rollup
from .schema import PERSPECTIVES
from .scorecard import Scorecard, build, for_period
from .scoring import anchor_problems, score
from .settings import DEFAULT_LIMITS, DEFAULTS, Limits, Settings

__all__ = [
    "DEFAULTS",
    "DEFAULT_LIMITS",
    "PERSPECTIVES",
    "Issue",
    "Limits",
    "Loaded",
    "Rollup",
    "Scorecard",
    "Settings",
    "anchor_problems",
    "build",
    "expand_shared",
    "for_period",
    "load_files",
    "load_paths",
    "rollup",
    "score",
]
