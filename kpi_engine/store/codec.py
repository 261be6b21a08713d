"""How values become cells of the store and cells values again: JSON text, UTC time
stamps, KPI and definition frames column by column, and the versioned JSON in which
settings and scenarios are stored.

Versioned JSON: a stored settings or scenario value is one JSON object holding the
dataclass's fields and `"version"`, the format it was written in (`"version"` is
therefore never a field name). Reading keeps the fields the dataclass has now: a field
since removed is ignored, and a field since added is missing from older values and takes
its default. A value without a version was written before formats were numbered, in
format 1. A change that adding or removing fields cannot express (a field whose meaning
changes) takes the next format number, and its reader converts older values by their
version.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from kpi_engine.core import names
from kpi_engine.store.schema import BOOLEAN_COLUMNS, FLOAT_COLUMNS, INFERRED_COLUMNS

VERSION = "version"  # the key of a stored value's format


def to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def versioned(value: Mapping[str, object], version: int) -> str:
    """A dataclass's fields as stored: JSON with the format `version` they are written in."""
    return to_json({**value, VERSION: version})


def known_fields(cls: type, text: str) -> dict[str, Any]:
    """The fields of dataclass `cls` in a stored value (see the module's docstring): what
    `cls(**...)` takes, missing fields left to their defaults."""
    value = json.loads(text)
    return {f.name: value[f.name] for f in dataclasses.fields(cls) if f.name in value}


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> pd.Timestamp | None:
    """A stored time as a UTC timestamp (SQLite gives it back without a zone)."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _shared_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return to_json(list(value))  # type: ignore[call-overload]


def _shared_value(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


def _extras_text(value: object) -> str | None:
    return None if value is None else to_json(value)


def _extras_value(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)


def _plain(value: object) -> object:
    """A cell as the driver takes it: NaN and NA as NULL, numpy scalars as Python ones."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return None if value is pd.NA or value is pd.NaT else value


def _column_values(frame: pd.DataFrame, column: str) -> list:
    series = frame[column]
    if column == "shared_with":  # JSON once per distinct partner list, not per row
        return names.per_distinct(series, _shared_text).tolist()
    if column == "extras":
        return [_extras_text(v) for v in series]
    if column in FLOAT_COLUMNS:
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return [None if v != v else v for v in values.tolist()]
    if column in BOOLEAN_COLUMNS:
        return [False if _plain(v) is None else bool(v) for v in series.tolist()]
    return [_plain(v) for v in series.tolist()]


def records(
    frame: pd.DataFrame, columns: Sequence[str], upload_id: int, **more: list
) -> list[dict]:
    """Rows as dicts for executemany, built column by column (no per-cell pandas calls)."""
    keys = ["upload_id", "ordinal", *columns, *more]
    values = [
        [upload_id] * len(frame),
        list(range(len(frame))),
        *(_column_values(frame, c) for c in columns),
        *more.values(),
    ]
    return [dict(zip(keys, row, strict=True)) for row in zip(*values, strict=True)]


def frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    """Rows -> frame, built column by column from one transpose (no per-cell pandas work):
    object text columns (None kept), floats, an int `row`, JSON cells decoded."""
    values = list(zip(*rows, strict=True)) or [()] * len(columns)
    return pd.DataFrame({c: _column(c, v) for c, v in zip(columns, values, strict=True)})


def _column(name: str, values: Sequence[Any]) -> pd.Series | np.ndarray:
    if name in FLOAT_COLUMNS:
        return np.array(values, dtype=float)  # NULL -> NaN
    if name == "row":
        return np.array(values, dtype=np.int64)
    if name in BOOLEAN_COLUMNS:  # NULL: a row stored before the column was (not a veto)
        return np.array([bool(v) for v in values], dtype=bool)
    if name in INFERRED_COLUMNS:  # never missing: typed as the loader's are
        return pd.Series(list(values))
    if name == "shared_with":  # tuples: one per distinct text is safe to share
        return names.per_distinct(pd.Series(values, dtype=object), _shared_value)
    if name == "extras":  # dicts: one per row, so that editing one changes no other row
        return pd.Series([_extras_value(v) for v in values], dtype=object)
    # Texts: one object per distinct text, not one per row (at 500 units, a few hundred
    # objects in a column instead of 1.8 M): every later grouping of the rows hashed each
    # copy again, where a shared text's hash is computed once (pages after an upload at
    # 500 units: the Heatmap 14.1 s -> 10.2 s).
    return names.per_distinct(pd.Series(values, dtype=object), _same)


def _same(value: object) -> object:
    return value
