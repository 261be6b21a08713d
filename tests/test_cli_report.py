"""`python -m kpi_engine report`: the leadership workbook or one-page PDF from files,
with `score`'s period options and exit codes (0 ok, 1 nothing to report, 2 bad usage)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.report_data import SAMPLE_FILES, forms
from tests.test_cli import HR, LONG, WIDE, run

EXAMPLES = (HR, LONG, WIDE)


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, check=True)
    return done.stdout.decode()


@pytest.mark.slow
def test_workbook_from_the_shared_examples(tmp_path):
    out = tmp_path / "report.xlsx"
    done = run("report", *EXAMPLES, "--period", "2026-03", "--out", out, "--lang", "en")
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames[0] == "Summary"
    assert "人力资源部" in book.sheetnames and "財務部" in book.sheetnames
    assert book["Summary"]["A1"].value == "Organisation KPI report · 2026-03"


@pytest.mark.slow
def test_quarter_pdf_for_one_department_matched_across_scripts(tmp_path):
    out = tmp_path / "report.pdf"
    done = run("report", *EXAMPLES, "--quarter", "2026-Q1", "--department", "财务部", "--out", out)
    assert done.returncode == 0, done.stderr
    text = pdf_text(out)
    assert "财务部 KPI 报告 · 2026-Q1" in text  # the data's 財務部, in the report's script
    assert "与 2025-Q4 比较" in text


@pytest.mark.slow
def test_sample_company_pdf_defaults_to_the_latest_month(tmp_path):
    out = tmp_path / "月报.pdf"
    done = run("report", *SAMPLE_FILES, "--out", out)
    assert done.returncode == 0, done.stderr
    text = pdf_text(out)
    assert "全组织 KPI 报告 · 2026-10" in text
    assert "财务部" in text and "预警提示" in text
    assert "warnings (`validate` lists them)" in done.stderr  # not one line per note row


@pytest.mark.slow
def test_generated_workbooks_keep_formula_like_names_as_text(tmp_path):
    files = forms(
        {
            "2026年9月 市场部": [["市场部", "财务", "M1", "=1+1", "越高越好", 1, 100, 90]],
            "2026年10月 市场部": [["市场部", "财务", "M1", "=1+1", "越高越好", 1, 100, 95]],
        }
    )
    paths = []
    for name, data in files:
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    out = tmp_path / "report.xlsx"
    done = run("report", *paths, "--ytd", "2026-10", "--out", out, "--department", "市场")
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["组织汇总", "市场部"]
    cell = book["市场部"]["C10"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    assert book["组织汇总"]["A1"].value == "全组织 KPI 报告 · 2026-10-YTD"


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("report", HR, "--period", "2026-03"),  # no --out
        ("report", HR, "--out", "report.csv"),
        ("report", HR, "--out", "r.pdf", "--lang", "fr"),
        ("report", HR, "--out", "r.pdf", "--period", "2026-13"),
        ("report", HR, "--out", "r.pdf", "--period", "2026-03", "--quarter", "2026-Q1"),
    ],
)
def test_bad_usage_exits_2(args, tmp_path):
    done = run(*args)
    assert done.returncode == 2, done.stderr
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.slow
def test_nothing_to_report_exits_1(tmp_path):
    junk = tmp_path / "notes.xlsx"
    junk.write_bytes(b"not a workbook")
    out = tmp_path / "r.pdf"
    cases = [
        ((junk,), "no KPI rows"),
        ((tmp_path / "missing.xlsx",), "no KPI rows"),
        ((HR, "--department", "研发部"), "no department '研发部'"),
        ((HR, "--period", "2020-01"), "no KPI rows for any department in 2020-01"),
    ]
    for args, message in cases:
        done = run("report", *args, "--out", out)
        assert done.returncode == 1, (args, done.stderr)
        assert message in done.stderr
        assert not out.exists()
