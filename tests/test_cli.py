"""`python -m kpi_engine validate|score`: SPEC §4's JSON, exit codes and outputs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.workbooks import form, xlsx

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"
HR = EXAMPLES / "人力资源部_2026年3月_绩效考核表.xlsx"
LONG = EXAMPLES / "group_kpis_long.xlsx"
WIDE = EXAMPLES / "財務部_2026上半年.xlsx"


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpi_engine", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_validate_json_on_good_files_exits_0():
    done = run("validate", HR, LONG, WIDE, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) >= {"rows_accepted", "rows_rejected", "errors", "warnings"}
    assert doc["rows_accepted"] == 5 + 10 + 24
    assert doc["rows_rejected"] == 0 and doc["errors"] == []


@pytest.mark.slow
def test_validate_json_reports_errors_with_their_cells_and_exits_1(tmp_path):
    bad = tmp_path / "市场部_2026年10月.xlsx"
    bad.write_bytes(xlsx(form(["市场部", "财务", "M1", "营收", "越高越好", -1, 100, 90])))
    done = run("validate", bad, "--json")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["rows_rejected"] == 1
    (error,) = doc["errors"]
    assert set(error) == {"file", "sheet", "row", "column", "value", "message"}
    assert (error["file"], error["row"], error["column"], error["value"]) == (
        "市场部_2026年10月.xlsx",
        4,
        "权重",
        -1,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        (),
        ("score",),
        ("validate", "x.xlsx", "--bogus"),
        ("score", "x.xlsx", "--period", "2026-13"),
        ("score", "x.xlsx", "--quarter", "2026-Q5"),
        ("score", "x.xlsx", "--period", "2026-01", "--quarter", "2026-Q1"),
    ],
)
def test_bad_usage_exits_2(args):
    assert run(*args).returncode == 2


@pytest.mark.slow
def test_score_json_has_spec_keys_and_hand_worked_scores():
    done = run("score", HR, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"kpis", "departments", "organization"} <= set(doc)
    kpis = {k["kpi_name"]: k for k in doc["kpis"]}
    # three-value, lower is better: threshold 45, target 30, actual 33 -> 60 + 40 * 12/15
    assert kpis["招聘周期(天)"]["score"] == pytest.approx(92.0)
    assert kpis["招聘周期(天)"]["status"] == "amber"
    assert kpis["内部客户满意度"]["score"] is None  # '-' is missing, not zero
    assert kpis["内部客户满意度"]["status"] is None
    for key in (
        "department",
        "kpi_id",
        "kpi_name",
        "perspective",
        "period",
        "actual",
        "target",
        "score",
        "status",
    ):
        assert key in kpis["招聘周期(天)"]
    overall = [d for d in doc["departments"] if d["perspective"] is None]
    assert [d["department"] for d in overall] == ["人力资源部"]
    assert {d["perspective"] for d in doc["departments"]} == {
        None,
        "financial",
        "customer",
        "internal_process",
        "learning_growth",
    }
    assert [o["period"] for o in doc["organization"]] == ["2026-03"]


@pytest.mark.slow
def test_score_period_and_quarter(tmp_path):
    one = json.loads(run("score", WIDE, "--period", "2026-02", "--json").stdout)
    assert {k["period"] for k in one["kpis"]} == {"2026-02"}
    q = json.loads(run("score", WIDE, "--quarter", "2026-Q1", "--json").stdout)
    kpis = {k["kpi_id"]: k for k in q["kpis"]}
    assert {k["period"] for k in q["kpis"]} == {"2026-Q1"}
    # FIN-01 lower-is-better, avg of 7, 6, 6 against target 5: 100 * (2 - 19/3/5)
    assert kpis["FIN-01"]["actual"] == pytest.approx(19 / 3)
    assert kpis["FIN-01"]["score"] == pytest.approx(100 * (2 - (19 / 3) / 5))
    # FIN-04's March is empty: the quarter averages the two months reported
    assert kpis["FIN-04"]["actual"] == pytest.approx((0.6 + 0.62) / 2)


@pytest.mark.slow
def test_score_out_writes_a_workbook(tmp_path):
    out = tmp_path / "report.xlsx"
    done = run("score", LONG, "--out", out)
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert {"KPIs", "Departments", "Organization"} <= set(book.sheetnames)
    header = [c.value for c in book["KPIs"][1]]
    rows = list(book["KPIs"].iter_rows(min_row=2, values_only=True))
    first = dict(zip(header, rows[0], strict=True))
    assert first["kpi_id"] == "PRC-1" and first["score"] == pytest.approx(90.0)


@pytest.mark.slow
def test_hostile_input_exits_1_with_a_json_error_naming_the_file(tmp_path):
    fake = tmp_path / "budget.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is no zip")
    for command in ("validate", "score"):
        done = run(command, fake, "--json")
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        doc = json.loads(done.stdout)
        assert doc["errors"][0]["file"] == "budget.xlsx"


@pytest.mark.slow
def test_a_missing_file_is_an_error_not_a_traceback(tmp_path):
    done = run("validate", tmp_path / "nope.xlsx", "--json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
