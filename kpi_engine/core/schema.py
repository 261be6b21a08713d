"""Names shared by every engine module: the tidy columns and the closed vocabularies.

Inside the engine everything is English snake_case, whatever the workbook said; the
alias tables (`aliases.py`) translate on the way in, the i18n catalogs on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi_engine.core.names import department_keys, kpi_keys

PERSPECTIVES: tuple[str, ...] = ("financial", "customer", "internal_process", "learning_growth")
DIRECTIONS: tuple[str, ...] = ("higher", "lower", "range")
AGGREGATIONS: tuple[str, ...] = ("sum", "avg", "last")
STATUSES: tuple[str, ...] = ("green", "amber", "red")

# Rows that are not KPIs of a perspective (SPEC §5.6, §5.7), by their `section`: a veto
# KPI that is only a gate (否决指标), and bonus and penalty items (加分项 / 扣分项). A KPI of a
# perspective has no section (None), a veto KPI of a perspective `veto` True.
GATE, BONUS, PENALTY = "veto", "bonus", "penalty"
SECTIONS: tuple[str, ...] = (GATE, BONUS, PENALTY)

# Numeric anchor columns a KPI row may carry (NaN when the workbook left them empty).
ANCHORS: tuple[str, ...] = ("target", "floor", "threshold", "stretch", "target_low", "target_high")

# One row per KPI, owner department and month: what `ingest.load` returns as `kpis`.
KPI_COLUMNS: tuple[str, ...] = (
    "file",  # file name as uploaded
    "sheet",  # sheet name
    "row",  # Excel row number (1-based) of the KPI's row
    "department",  # owner department, as written (stripped)
    "kpi_id",  # str, or None when the sheet has no id column
    "kpi_name",  # str
    "perspective",  # one of PERSPECTIVES
    "direction",  # one of DIRECTIONS
    "weight",  # float >= 0, relative within department x perspective
    "actual",  # float, NaN when missing
    *ANCHORS,
    "aggregation",  # one of AGGREGATIONS
    "shared_with",  # tuple[str, ...] of partner departments (may be empty)
    "unit",  # str or None
    "owner",  # str or None
    "period",  # "YYYY-MM"
    "extras",  # dict of unknown columns as written -> cell value
    "veto",  # bool: a veto KPI (一票否决, SPEC §5.6)
    "section",  # None, or one of SECTIONS: not a KPI of its perspective
    "rule",  # str or None: the scoring rule as written (评分标准, SPEC §5.8)
    "full_points",  # float: 分值 / 标准分 / 满分 (a rule's full points, an item's points)
)

# Issues (errors and warnings) as reported to users and by `validate --json`.
ISSUE_COLUMNS: tuple[str, ...] = (
    "severity",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "message",
    "code",
    "params",
)

# What a definition gives a row that carries only actuals (and what a row may override).
DEFINED_COLUMNS = (
    "kpi_name",
    "kpi_id",
    "perspective",
    "direction",
    "weight",
    *ANCHORS,
    "aggregation",
    "shared_with",
    "unit",
    "owner",
    "veto",
    "section",
    "rule",
    "full_points",
)
DEFINITION_COLUMNS = ("department", *DEFINED_COLUMNS)

# Issue severities: an error rejects its row (or file), a warning only reports.
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Loaded:
    """Result of loading a batch of files: accepted KPI rows, definitions, issues."""

    kpis: pd.DataFrame
    definitions: pd.DataFrame
    issues: pd.DataFrame
    rows_rejected: int
    # The organisation tree the batch states (issue 18): one row per unit, later rows
    # winning; empty when no sheet names a parent.
    org: pd.DataFrame = field(default_factory=lambda: org_table())

    @property
    def rows_accepted(self) -> int:
        return len(self.kpis)

    @property
    def errors(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == ERROR]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == WARNING]


# An organisation tree as edges: a department or unit, and the unit it sits under (SPEC
# has no tree; issue 18). Names as written; identity is `names.department_key`.
ORG_COLUMNS: tuple[str, ...] = ("unit", "parent")


def org_table(*tables: pd.DataFrame | None) -> pd.DataFrame:
    """Tree edges from several sources, later ones winning, one row per unit (by identity)."""
    frames = [t[list(ORG_COLUMNS)] for t in tables if t is not None and not t.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ORG_COLUMNS})
    merged = pd.concat(frames, ignore_index=True)
    keys = department_keys(merged["unit"])
    return merged[~keys.duplicated(keep="last")].reset_index(drop=True)


def definitions_table(*tables: pd.DataFrame | None) -> pd.DataFrame:
    """KPI definitions from several sources, later ones winning, one row per KPI."""
    frames = [t[list(DEFINITION_COLUMNS)] for t in tables if t is not None and not t.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DEFINITION_COLUMNS})
    merged = pd.concat(frames, ignore_index=True)
    merged["veto"] = merged["veto"].eq(True).to_numpy(dtype=bool)  # not said: not a veto KPI
    return merged[~kpi_keys(merged).duplicated(keep="last")].reset_index(drop=True)


def owner_mask(rows: pd.DataFrame, *, named: np.ndarray | None = None) -> np.ndarray:
    """Which rows are the KPI owner's own: not the copies `rollup.expand_shared` makes for
    partner departments (every row of a frame that was never expanded). A row without a
    department is nobody's; `named` says which rows have one when the caller knows (the
    roll-up's factorized keys), which spares a pass over the texts."""
    if "owner_department" not in rows.columns:
        return np.ones(len(rows), dtype=bool)
    department, owner = rows["department"], rows["owner_department"]
    if department.dtype == object and owner.dtype == object:
        # numpy compares object by object, and an owner row's two cells are one object:
        # no text is read (pandas' `==` reads every cell for a missing value first)
        try:
            same = np.asarray(department.to_numpy() == owner.to_numpy(), dtype=bool)
        except TypeError:  # pd.NA has no truth value: pandas' way below
            pass
        else:
            return same & (department.notna().to_numpy(dtype=bool) if named is None else named)
    return (department == owner).to_numpy(dtype=bool, na_value=False)


def floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 (missing or absent: NaN), whatever dtype it came in; a
    float64 column as a read-only view, no copy (1.8 M rows are read many times over)."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = frame[column]
    if values.dtype == np.float64:
        return values.to_numpy()
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def in_sections(rows: pd.DataFrame, sections: tuple[str, ...] = SECTIONS) -> np.ndarray:
    """Which rows have one of `sections` (no row without a `section` column). Most rows
    have none: only the filled cells are looked up, since hashing 1.8 M missing cells
    costs several times the scoring itself."""
    found = np.zeros(len(rows), dtype=bool)
    if "section" not in rows.columns:
        return found
    values = rows["section"].to_numpy(dtype=object)
    filled = np.flatnonzero(~pd.isna(values))
    if filled.size:
        found[filled] = pd.Series(values[filled], dtype=object).isin(sections).to_numpy(bool)
    return found


def owner_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Owner rows only (`owner_mask`): a shared KPI counts once, under its owner."""
    if "owner_department" not in rows.columns:
        return rows
    return rows[owner_mask(rows)]


# Who stored what, when it was no signed-in person: the bundled sample company's uploads
# (`store.seed`) and anyone while no users are set up (open mode, `auth.roles`). Pages name
# both in words.
SAMPLE_UPLOADER = "sample"
ANONYMOUS = "anonymous"

# An upload's approval state (issue 17): `published` is shown to everyone; `pending` waits
# for the department's approver (shown to its uploader and approvers only); `returned` was
# sent back with a comment and is shown to no one. Uploads stored before approval existed,
# and every upload while approval is off, are published.
PUBLISHED, PENDING, RETURNED = "published", "pending", "returned"
UPLOAD_STATES: tuple[str, ...] = (PUBLISHED, PENDING, RETURNED)
