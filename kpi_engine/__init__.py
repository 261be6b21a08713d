"""KPI balanced-scorecard engine: workbooks in, scores and roll-ups out. No Streamlit here.

loaded = load_files([(name, data), ...])        # ingest + validate
card = build(loaded.kpis, period="2026-Q3")     # score, share, roll up
"""

from kpi_engine.core.rollup import Rollup, expand_shared, rollup
from kpi_engine.core.schema import PERSPECTIVES, Loaded
from kpi_engine.core.scorecard import Scorecard, build, for_period
from kpi_engine.core.scoring import anchor_problems, score
from kpi_engine.core.settings import DEFAULT_LIMITS, DEFAULTS, Limits, Settings
from kpi_engine.ingest.issues import Issue
from kpi_engine.ingest.load import load_files, load_paths

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
