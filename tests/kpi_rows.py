"""Build KPI frames in code: one dict per KPI row with every column of `schema.KPI_COLUMNS`."""

from __future__ import annotations

import math

import pandas as pd

from kpi_engine.core.schema import ANCHORS, KPI_COLUMNS
from kpi_engine.core.scoring import anchor_problems, score
from kpi_engine.core.settings import DEFAULTS, Settings

NAN = math.nan


def kpi(**fields: object) -> dict[str, object]:
    """A plausible higher-is-better financial KPI row; keyword arguments override columns."""
    unknown = set(fields) - set(KPI_COLUMNS)
    assert not unknown, f"not KPI columns: {sorted(unknown)}"
    row: dict[str, object] = {
        "file": "kpi.xlsx",
        "sheet": "KPI",
        "row": 2,
        "department": "市场部",
        "kpi_id": None,
        "kpi_name": "kpi",
        "perspective": "financial",
        "direction": "higher",
        "weight": 1.0,
        "actual": NAN,
        **dict.fromkeys(ANCHORS, NAN),
        "aggregation": "avg",
        "shared_with": (),
        "unit": None,
        "owner": None,
        "period": "2026-10",
        "extras": {},
        "veto": False,
        "section": None,
        "rule": None,
        "full_points": NAN,
    }
    row.update(fields)
    return row


def frame(*rows: dict[str, object], index: list[object] | None = None) -> pd.DataFrame:
    """A KPI frame with the schema's column order and float anchor/actual/weight columns."""
    df = pd.DataFrame(list(rows), columns=list(KPI_COLUMNS), index=index)
    numeric = ["weight", "actual", *ANCHORS, "full_points"]
    df[numeric] = df[numeric].astype(float)
    return df


def scored(settings: Settings = DEFAULTS, **fields: object) -> pd.Series:
    """The one scored row for a KPI with these fields."""
    return score(frame(kpi(**fields)), settings=settings).iloc[0]


def one(settings: Settings = DEFAULTS, **fields: object) -> float:
    """The score of one KPI with these fields."""
    return float(scored(settings, **fields)["score"])


def problem(**fields: object) -> object:
    """Why one KPI with these fields cannot be scored (None when it can)."""
    return anchor_problems(frame(kpi(**fields))).iloc[0]
