"""Scoring settings and upload limits: one frozen object each, with SPEC's defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MB = 1024 * 1024
DEFAULT_PERSPECTIVE_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"financial": 30.0, "customer": 30.0, "internal_process": 25.0, "learning_growth": 15.0}
)


# How a department's perspective weights are chosen (SPEC §5.3): `auto` reads each
# department's own weights, `perspective` uses the settings' perspective weights (SPEC §3)
# for everyone, `department` the sums of each department's KPI weights for everyone.
AUTO, PERSPECTIVE, DEPARTMENT = "auto", "perspective", "department"
WEIGHTINGS: tuple[str, ...] = (AUTO, PERSPECTIVE, DEPARTMENT)

# Display settings. Heatmap cells in the three status colours (default) or on a gradient;
# data names converted to the UI's Chinese script (OpenCC, display only) or shown as written.
STATUS_COLORS, GRADIENT = "status", "gradient"
HEATMAP_COLORS: tuple[str, ...] = (STATUS_COLORS, GRADIENT)
CONVERT, AS_WRITTEN = "convert", "as_written"
SCRIPTS: tuple[str, ...] = (CONVERT, AS_WRITTEN)
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def known_time_zone(name: str) -> bool:
    """Whether `name` is a time zone this machine's zone database knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Grade(NamedTuple):
    """One row of the grade table (SPEC §5.9), highest grade first: its name, the lowest
    score that earns it (None for the lowest grade: every score below the one above), its
    coefficient (绩效系数, None when it has none) and, for the forced distribution, its
    quota as a percentage of the departments (at most for every grade but the lowest, at
    least for the lowest; None: no quota). A tuple, so settings stay hashable and pickle."""

    name: str
    lowest: float | None
    coefficient: float | None = None
    quota: float | None = None


def _grades(*rows: tuple[str, float | None, float | None, float | None]) -> tuple[Grade, ...]:
    return tuple(Grade(*row) for row in rows)


# One-click grade tables for the Settings page. The four-level scale follows the status
# bands: at or above target (100) is 优秀, amber's lower edge (80) is still 合格, red is not.
GRADE_PRESETS: Mapping[str, tuple[Grade, ...]] = MappingProxyType(
    {
        "letters": _grades(
            ("S", 110.0, None, 10.0),
            ("A", 100.0, None, 20.0),
            ("B", 90.0, None, None),
            ("C", 80.0, None, None),
            ("D", None, None, 10.0),
        ),
        "levels_zh-Hans": _grades(
            ("优秀", 100.0, None, 20.0),
            ("良好", 90.0, None, None),
            ("合格", 80.0, None, None),
            ("不合格", None, None, 10.0),
        ),
        "levels_zh-Hant": _grades(
            ("優秀", 100.0, None, 20.0),
            ("良好", 90.0, None, None),
            ("合格", 80.0, None, None),
            ("不合格", None, None, 10.0),
        ),
        "levels_en": _grades(
            ("Excellent", 100.0, None, 20.0),
            ("Good", 90.0, None, None),
            ("Pass", 80.0, None, None),
            ("Fail", None, None, 10.0),
        ),
    }
)
DEFAULT_GRADES = GRADE_PRESETS["letters"]
MAX_GRADE_NAME = 20  # characters: a grade name is a short label beside a score


def grade_table(rows: object) -> tuple[Grade, ...]:
    """Any sequence of grade rows (stored JSON gives lists) as the settings' tuple of
    `Grade`s; the lowest grade's threshold is dropped (it takes every score below)."""
    table = [Grade(*row) for row in rows]  # type: ignore[attr-defined]
    if table:
        table[-1] = table[-1]._replace(lowest=None)
    return tuple(table)


@dataclass(frozen=True)
class Settings:
    """Everything a score depends on besides the data. Weights are relative."""

    cap: float = 120.0
    base_score: float = 60.0  # three-value method: score at the threshold
    green_at: float = 100.0  # status green when score >= green_at
    amber_at: float = 80.0  # amber when amber_at <= score < green_at, else red
    # Plain dicts (copied per instance) so settings pickle into caches and stores.
    perspective_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_PERSPECTIVE_WEIGHTS)
    )
    # Missing departments weigh 1 (equal weights by default).
    department_weights: Mapping[str, float] = field(default_factory=dict)
    weighting: str = AUTO  # one of WEIGHTINGS
    veto_score: float = 0.0  # a department's score in a period where a veto KPI fails (§5.6)
    bonus_limit: float = 10.0  # bonus points counted per department and period (§5.7)
    grades: tuple[Grade, ...] = DEFAULT_GRADES  # highest first (§5.9)
    forced_distribution: bool = False  # rank departments against the grades' quotas (§5.9)
    # How pages show what the data says; no score depends on these.
    heatmap_colors: str = STATUS_COLORS  # one of HEATMAP_COLORS: status bands or a gradient
    department_order: tuple[str, ...] = ()  # departments in this order first; empty: by score
    script: str = CONVERT  # one of SCRIPTS: data names in the UI's script, or as written
    time_zone: str = DEFAULT_TIME_ZONE  # an IANA name: the organisation's clock for times shown
    # The monthly cycle (issue 17): when a period's data is due, what makes a submission
    # complete, and whether a manager's upload waits for approval. No score depends on these.
    deadline_workday: int = 5  # due by the end of this working day of the month after a period
    holidays: tuple[str, ...] = ()  # ISO dates that are not working days (法定节假日)
    workdays: tuple[str, ...] = ()  # ISO weekend dates that are working days (调休上班)
    notes_required: bool = False  # a red KPI needs a note before its submission is complete
    approval_required: bool = False  # a manager's upload is pending until approved

    def __post_init__(self) -> None:
        object.__setattr__(self, "grades", grade_table(self.grades))
        for name in ("department_order", "holidays", "workdays"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (what-if scenarios start here)."""
        return replace(self, **changes)  # type: ignore[arg-type]  # fields of several types


def problems(settings: Settings) -> list[str]:
    """What makes settings unusable, as message keys (`settings.problem_<name>`): checked
    before settings are stored, so no page ever scores with them."""
    found = []
    weights = [*settings.perspective_weights.values(), *settings.department_weights.values()]
    if any(not w >= 0 for w in weights):  # `not >=` also catches NaN
        found.append("negative_weight")
    elif any(not w <= DEFAULT_LIMITS.max_weight for w in weights):  # and infinity
        found.append("weight_too_large")
    if not sum(settings.perspective_weights.values()) > 0:
        found.append("no_perspective_weight")
    if not 0 < settings.amber_at < settings.green_at:
        found.append("band_order")
    if not settings.cap >= settings.green_at:
        found.append("cap_below_green")
    if not 0 <= settings.base_score < 100:
        found.append("base_score_range")
    if settings.weighting not in WEIGHTINGS:
        found.append("unknown_weighting")
    if not 0 <= settings.veto_score <= settings.cap:
        found.append("veto_score_range")
    if not 0 <= settings.bonus_limit <= settings.cap:
        found.append("bonus_limit_range")
    found.extend(grade_problems(settings))
    if settings.heatmap_colors not in HEATMAP_COLORS:
        found.append("unknown_heatmap_colors")
    if settings.script not in SCRIPTS:
        found.append("unknown_script")
    if not known_time_zone(settings.time_zone):
        found.append("unknown_time_zone")
    if not (
        isinstance(settings.deadline_workday, int)
        and 1 <= settings.deadline_workday <= MAX_DEADLINE_WORKDAY
    ):
        found.append("deadline_workday_range")
    if not all(_iso_date(d) for d in (*settings.holidays, *settings.workdays)):
        found.append("calendar_date")
    return found


MAX_DEADLINE_WORKDAY = 20  # a month has at least 20 working days


def _iso_date(text: object) -> bool:
    """Whether `text` is a date written YYYY-MM-DD (how calendar days are stored)."""
    try:
        return isinstance(text, str) and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _number(value: object) -> float:
    """A table cell as a float, NaN when it is not a number (so every check fails)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def grade_problems(settings: Settings) -> list[str]:
    """The grade table's and forced distribution's problems (`problems` lists them)."""
    found = []
    table = settings.grades
    names = [str(g.name).strip() for g in table]
    if len(table) < 2:
        found.append("grade_count")
    if any(not n or len(n) > MAX_GRADE_NAME or not n.isprintable() for n in names):
        found.append("grade_name")
    elif len({n.casefold() for n in names}) < len(names):
        found.append("grade_name_unique")
    lowest = [_number(g.lowest) for g in table[:-1]]
    if any(not 0 < x <= settings.cap for x in lowest):  # `not` also catches NaN
        found.append("grade_threshold_range")
    elif any(not a > b for a, b in pairwise(lowest)):
        found.append("grade_threshold_order")
    coefficients = [_number(g.coefficient) for g in table if g.coefficient is not None]
    if any(not 0 <= c <= MAX_COEFFICIENT for c in coefficients):
        found.append("grade_coefficient_range")
    quotas = [_number(g.quota) for g in table if g.quota is not None]
    bottom = table[-1].quota if table else None
    if any(not 0 <= q <= 100 for q in quotas) or (bottom is not None and _number(bottom) >= 100):
        found.append("grade_quota_range")
    if settings.forced_distribution and not quotas:
        found.append("forced_distribution_no_quota")
    return found


MAX_COEFFICIENT = 10.0  # a 绩效系数 multiplies a bonus: 0 (none paid) to 10 is plenty


@dataclass(frozen=True)
class Limits:
    """Upload limits: a file past any of them is refused before it is parsed.

    `max_cells` bounds memory: a sheet's grid is padded from A1 to its last cell, so two
    cells far apart (A1 and XFD1048576) would otherwise ask for billions of empty cells.
    `max_merged` bounds the work of filling merged cells in; `max_text` the length of a
    department, KPI, unit or owner name (a longer one is a row error). Workbooks are read
    in a child process that may use `reader_memory_bytes` more memory than it starts with
    and `reader_seconds` per file; past either, the file is refused and the server lives.
    """

    max_file_bytes: int = 50 * _MB
    max_unzipped_bytes: int = 200 * _MB
    max_sheets: int = 100
    max_rows: int = 100_000  # per sheet
    max_columns: int = 500
    max_cells: int = 5_000_000  # per workbook, each sheet counted from A1 to its last cell
    max_weight: int = 1000  # a KPI or settings weight above it is refused
    max_merged: int = 10_000  # merged ranges per sheet
    max_text: int = 255  # characters in a department, KPI, unit or owner name
    reader_memory_bytes: int = 2048 * _MB
    reader_seconds: int = 60  # per file

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """The defaults, overridden by KPI_MAX_FILE_MB, KPI_MAX_UNZIPPED_MB, KPI_MAX_SHEETS,
        KPI_MAX_ROWS, KPI_MAX_COLUMNS, KPI_MAX_CELLS, KPI_MAX_WEIGHT, KPI_MAX_MERGED,
        KPI_MAX_TEXT, KPI_READER_MEMORY_MB and KPI_READER_SECONDS where set, so an operator can
        raise or lower a limit without code. A value that is not a positive number raises
        ValueError naming the variable: a typo must not silently remove a limit."""
        values: dict[str, int] = {}
        for item in fields(cls):
            name, scale = _ENV[item.name]
            text = environ.get(name, "").strip()
            if not text:
                continue
            try:
                number = float(text)
            except ValueError:
                number = float("nan")
            if not number > 0 or number == float("inf"):
                raise ValueError(f"{name}={text!r}: expected a positive number")
            values[item.name] = int(number * scale)
        return cls(**values)

    @property
    def max_file_mb(self) -> int:
        """The file limit in whole MB, rounded up: Streamlit's upload limit
        (`server.maxUploadSize`, set by scripts/start.sh) and the upload widget's."""
        return max(1, -(-self.max_file_bytes // _MB))


# Limits field -> (environment variable, its unit in the field's unit).
_ENV: Mapping[str, tuple[str, int]] = {
    "max_file_bytes": ("KPI_MAX_FILE_MB", _MB),
    "max_unzipped_bytes": ("KPI_MAX_UNZIPPED_MB", _MB),
    "max_sheets": ("KPI_MAX_SHEETS", 1),
    "max_rows": ("KPI_MAX_ROWS", 1),
    "max_columns": ("KPI_MAX_COLUMNS", 1),
    "max_cells": ("KPI_MAX_CELLS", 1),
    "max_weight": ("KPI_MAX_WEIGHT", 1),
    "max_merged": ("KPI_MAX_MERGED", 1),
    "max_text": ("KPI_MAX_TEXT", 1),
    "reader_memory_bytes": ("KPI_READER_MEMORY_MB", _MB),
    "reader_seconds": ("KPI_READER_SECONDS", 1),
}


DEFAULTS = Settings()
DEFAULT_LIMITS = Limits()


# Where the store's SQLite file and the users file live unless told otherwise.
DATA_DIR_ENV = "KPI_DATA_DIR"
DEFAULT_DATA_DIR = "./data"


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """`path`, else `KPI_DATA_DIR`, else `./data`: one answer for the store and the users file."""
    return Path(path or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
