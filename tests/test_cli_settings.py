"""`score --settings` and `report --settings`: the CLI scores under the settings a file
gives (grades, veto score, bonus limit, weights), the same fields the Settings page
stores; a misspelt field or an unusable value is bad usage (exit 2), never ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run
from tests.workbooks import form, xlsx

pytestmark = pytest.mark.slow

LEVELS = [["优秀", 100, 1.2, None], ["良好", 90, 1.0, None], ["合格", 80, 0.8, None]]
LEVELS += [["不合格", None, 0.5, None]]


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    """One department, one financial KPI at 92 % of its target: weighted score 92."""
    path = tmp_path / "市场部_2026年10月.xlsx"
    path.write_bytes(xlsx(form(["市场部", "财务", "M1", "营收", "越高越好", 100, 100, 92])))
    return path


def overall(doc: dict) -> dict:
    (row,) = [r for r in doc["departments"] if r["perspective"] is None]
    return row


def settings_file(tmp_path: Path, value: object) -> Path:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_without_settings_the_defaults_grade_the_score(sheet):
    done = run("score", sheet, "--json")
    assert done.returncode == 0, done.stderr
    row = overall(json.loads(done.stdout))
    assert (row["score"], row["grade"], row["coefficient"]) == (92.0, "B", None)


def test_a_settings_file_gives_its_grade_table_and_coefficients(sheet, tmp_path):
    path = settings_file(tmp_path, {"grades": LEVELS})
    doc = json.loads(run("score", sheet, "--json", "--settings", path).stdout)
    assert (overall(doc)["grade"], overall(doc)["coefficient"]) == ("良好", 1.0)
    (org,) = doc["organization"]
    assert org["grade"] == "良好"


def test_a_settings_file_changes_the_cap_and_weights_it_names_only(sheet, tmp_path):
    path = settings_file(tmp_path, {"green_at": 90, "amber_at": 50})
    doc = json.loads(run("score", sheet, "--json", "--settings", path).stdout)
    (kpi,) = doc["kpis"]
    assert kpi["status"] == "green"  # 92 is green from 90 on
    assert overall(doc)["grade"] == "B"  # the grade table kept its default


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ({"grade_table": LEVELS}, "unknown settings grade_table"),
        ({"veto_score": 500}, "veto_score_range"),
        (
            {"grades": [["A", 90, None, None], ["B", 95, None, None], ["C", None, None, None]]},
            "grade_threshold_order",
        ),
        ([1, 2], "JSON object"),
    ],
)
def test_a_bad_settings_file_is_bad_usage_naming_what_is_wrong(sheet, tmp_path, value, said):
    done = run("score", sheet, "--json", "--settings", settings_file(tmp_path, value))
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_an_unreadable_settings_file_is_bad_usage(sheet, tmp_path):
    done = run("score", sheet, "--settings", tmp_path / "missing.json")
    assert done.returncode == 2 and "cannot read settings" in done.stderr


def test_the_report_takes_the_settings_too(sheet, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    path = settings_file(tmp_path, {"grades": LEVELS})
    done = run("report", sheet, "--out", out, "--settings", path)
    assert done.returncode == 0, done.stderr
    cells = {c.value for row in load_workbook(out).worksheets[0].iter_rows() for c in row}
    assert "良好" in cells and "B" not in cells
