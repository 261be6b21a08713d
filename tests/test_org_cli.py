"""The command line and the organisation tree (issue 18): `score --json` on a group's files
adds the units' rows and places each department; `upload` stores a file's tree as the
Data page does. Without a tree the JSON is as before."""

from __future__ import annotations

import json

import pytest

from kpi_engine import store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN
from kpi_engine.cli.main import main
from tests.group_data import (
    DEPARTMENT_UNITS,
    GROUP,
    HIERARCHY_FILE,
    TREE,
    UNITS,
    hierarchy_workbook,
    write_group,
)

MONTH = "2026-10"


def score_json(capsys, *paths) -> dict:
    assert main(["score", *map(str, paths), "--period", MONTH, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_score_json_places_departments_and_adds_the_units(tmp_path, capsys):
    doc = score_json(capsys, *write_group(tmp_path, months=[MONTH]))
    overall = {r["department"]: r for r in doc["departments"] if r["perspective"] is None}
    assert set(overall) == set(DEPARTMENT_UNITS)
    for department, unit in DEPARTMENT_UNITS.items():
        assert overall[department]["parent"] == unit
        assert overall[department]["level"] == 3  # group > unit > department
    units = {r["unit"]: r for r in doc["units"] if r["perspective"] is None}
    assert set(units) == {*UNITS, GROUP}
    assert units[GROUP]["level"] == 1 and units[GROUP]["parent"] is None
    for unit in UNITS:
        assert units[unit]["parent"] == GROUP and units[unit]["level"] == 2
        under = [overall[d]["score"] for d, u in DEPARTMENT_UNITS.items() if u == unit]
        assert units[unit]["period"] == MONTH
        assert units[unit]["score"] == pytest.approx(sum(under) / len(under))  # equal weights
    assert units[GROUP]["score"] == pytest.approx(doc["organization"][0]["score"])
    by_perspective = [r for r in doc["units"] if r["perspective"] is not None]
    assert {r["unit"] for r in by_perspective} == {*UNITS, GROUP}
    assert all(r["level"] in (1, 2) for r in by_perspective)


def test_score_json_from_the_parent_column_places_departments_under_top_units(tmp_path, capsys):
    doc = score_json(capsys, *write_group(tmp_path, layout="column", months=[MONTH]))
    overall = {r["department"]: r for r in doc["departments"] if r["perspective"] is None}
    assert {d: r["parent"] for d, r in overall.items()} == DEPARTMENT_UNITS
    assert {r["level"] for r in overall.values()} == {2}
    units = {r["unit"]: r for r in doc["units"] if r["perspective"] is None}
    assert set(units) == set(UNITS) and {r["level"] for r in units.values()} == {1}


def test_score_json_without_a_tree_is_as_before(tmp_path, capsys):
    paths = write_group(tmp_path, layout="sheet", months=[MONTH])[1:]  # the forms only
    doc = score_json(capsys, *paths)
    assert "units" not in doc
    assert all("parent" not in r and "level" not in r for r in doc["departments"])


@pytest.mark.slow
def test_upload_stores_a_hierarchy_workbook(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KPI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("KPI_USERS_FILE", str(tmp_path / "users.json"))
    users.add("王磊", "a long enough password", ADMIN)
    monkeypatch.setenv("KPI_PASSWORD", "a long enough password")
    path = tmp_path / HIERARCHY_FILE
    path.write_bytes(hierarchy_workbook())
    assert main(["upload", str(path), "--user", "王磊"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert record["status"] == "stored" and record["placed"] == len(TREE)
    assert record["rows_accepted"] == 0
    engine = store.connect(data_dir=tmp_path)
    assert dict(store.org_edges(engine).itertuples(index=False, name=None)) == TREE


def flat_mean(doc: dict) -> float:
    """The organisation score as it was before trees: the departments' equal-weight mean."""
    scores = [r["score"] for r in doc["departments"] if r["perspective"] is None]
    return sum(scores) / len(scores)


@pytest.mark.slow
def test_explain_and_report_give_the_trees_organisation_score(tmp_path, capsys):
    """One number, one path: `explain` and `report` read the tree from the files, as
    `score` and the pages do, so the group's score is the same in all three."""
    from openpyxl import load_workbook

    paths = write_group(tmp_path, months=["2026-09", MONTH])
    doc = score_json(capsys, *paths)
    group = doc["organization"][0]["score"]
    assert group != pytest.approx(flat_mean(doc), abs=0.01)  # the tree changes the number

    assert main(["explain", *map(str, paths), "--period", MONTH, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == pytest.approx(group)

    out = tmp_path / "report.xlsx"
    assert main(["report", *map(str, paths), "--period", MONTH, "--out", str(out)]) == 0
    summary = load_workbook(out).worksheets[0]
    assert summary["B3"].value == pytest.approx(group, abs=0.01)
