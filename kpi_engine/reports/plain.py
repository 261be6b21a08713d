"""Results as plain data: the CLI's JSON and the `--out` workbook.

JSON keeps scores unrounded (SPEC §4) and writes missing values as null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kpi_engine.core import org
from kpi_engine.core.names import printable
from kpi_engine.core.schema import ERROR
from kpi_engine.core.scorecard import Scorecard

KPI_FIELDS = (
    "department",
    "kpi_id",
    "kpi_name",
    "perspective",
    "period",
    "actual",
    "target",
    "score",
    "status",
    "weight",
    "method",
    "points",  # a rule-scored KPI's points (SPEC §5.8), a bonus or penalty item's (§5.7)
    "full_points",  # a rule-scored KPI's full points
    "owner_department",
    "is_shared",
    # SPEC §5.6, §5.7: veto KPIs, and bonus / penalty items (perspective null, their
    # section named, their counted points, no score)
    "veto",
    "section",
)
GRADE_FIELDS = ("grade", "coefficient")
TREE_FIELDS = (
    "level",
    "parent",
)  # a node's place in the organisation tree (issue 18)  # SPEC §5.9; coefficient null when the grade has none
# SPEC §5.12: a department's overall row, beside its final score.
ADJUSTMENT_FIELDS = ("score_before", "bonus", "penalty", "veto")
ISSUE_FIELDS = ("file", "sheet", "row", "column", "value", "message")


def _plain(value: object) -> object:
    """NaN/NA -> None and numpy scalars -> Python, so json.dumps writes valid JSON."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def records(frame: pd.DataFrame, fields: Iterable[str]) -> list[dict[str, object]]:
    names = [f for f in fields if f in frame.columns]
    return [
        {name: _plain(v) for name, v in zip(names, row, strict=True)}
        for row in frame[names].itertuples(index=False, name=None)
    ]


def issues_json(issues: pd.DataFrame) -> dict[str, list[dict[str, object]]]:
    errors = issues[issues["severity"] == ERROR]
    warnings = issues[issues["severity"] != ERROR]
    return {"errors": records(errors, ISSUE_FIELDS), "warnings": records(warnings, ISSUE_FIELDS)}


def scorecard_json(card: Scorecard) -> dict[str, list[dict[str, object]]]:
    """SPEC §4's score document: kpis, departments (overall rows with perspective null,
    the `weighting` rule that scored them, the score before bonus, penalty and veto, the
    bonus and penalty points counted and the failing veto KPI or null, their `grade` and
    `coefficient`, and the `distribution_grade` when the forced distribution is on, SPEC
    §5.12), organization (with its grade), plus each department's collaboration score.
    With an organisation tree (issue 18), department rows carry their `level` and
    `parent` (null at the top), and `units` holds each unit's rows alike."""
    overall = _placed(card.departments, card.tree).assign(perspective=None)
    fields = ("department", "period", "perspective", "score", "coverage", *TREE_FIELDS)
    if overall.get("distribution_grade", pd.Series(dtype=object)).isna().all():
        overall = overall.drop(columns="distribution_grade", errors="ignore")
    doc = {
        "kpis": records(card.kpis, KPI_FIELDS),
        "departments": [
            *records(_placed(card.perspectives, card.tree), fields),
            *records(
                overall,
                (*fields, "weighting", *ADJUSTMENT_FIELDS, *GRADE_FIELDS, "distribution_grade"),
            ),
        ],
        "organization": records(card.organization, ("period", "score", "coverage", *GRADE_FIELDS)),
        "collaboration": records(card.collaboration, ("department", "period", "score", "coverage")),
    }
    if card.tree:
        placed = card.units[["unit", *TREE_FIELDS]].drop_duplicates("unit")
        unit_fields = ("unit", "period", "perspective", "score", "coverage", *TREE_FIELDS)
        doc["units"] = [
            *records(card.unit_perspectives.merge(placed, on="unit", how="left"), unit_fields),
            *records(card.units.assign(perspective=None), (*unit_fields, *GRADE_FIELDS)),
        ]
    return doc


def _placed(frame: pd.DataFrame, tree: org.Tree) -> pd.DataFrame:
    """Department rows with their place in the tree (`level`, `parent`); as they are
    without a tree, so that the JSON of an organisation without one does not change."""
    if not tree or frame.empty:
        return frame
    names = pd.unique(frame["department"].astype(object))
    level = {d: org.level(tree, d) for d in names}
    parent = {d: tree.parent.get(d) for d in names}
    return frame.assign(
        level=frame["department"].map(level), parent=frame["department"].map(parent)
    )


def safe_cell(sheet: object, value: object) -> WriteOnlyCell:
    """One cell of any workbook the product writes: numbers as numbers, text as printable
    text (`names.printable`) and never a formula, whatever it starts with."""
    value = _plain(value)
    if isinstance(value, tuple):
        value = "、".join(map(str, value))
    elif isinstance(value, dict):  # a veto reason: the JSON's object, as text
        value = json.dumps(value, ensure_ascii=False)
    elif value is not None and not isinstance(value, int | float | str):
        value = str(value)
    if isinstance(value, str):
        value = printable(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def write_xlsx(card: Scorecard, issues: pd.DataFrame, path: str | Path) -> None:
    """The score document as a workbook, one sheet per table, numbers stored as numbers."""
    doc = scorecard_json(card)
    tables = {
        "KPIs": (card.kpis, KPI_FIELDS),
        "Departments": (
            pd.DataFrame(doc["departments"]),
            (
                "department",
                "period",
                "perspective",
                "score",
                "coverage",
                "weighting",
                *ADJUSTMENT_FIELDS,
                *GRADE_FIELDS,
                "distribution_grade",
            ),
        ),
        "Organization": (card.organization, ("period", "score", "coverage", *GRADE_FIELDS)),
        "Collaboration": (card.collaboration, ("department", "period", "score", "coverage")),
        "Issues": (issues, ("severity", *ISSUE_FIELDS)),
    }
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, (frame, fields) in tables.items():
        sheet = book.create_sheet(title)
        names = [f for f in fields if f in frame.columns]
        header = []
        for name in names:
            cell = safe_cell(sheet, name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in frame[names].itertuples(index=False, name=None):
            sheet.append([safe_cell(sheet, v) for v in row])
    book.save(path)
