"""One number, one path (issue: two organisation scores for the same month): the Overview,
Scorecard, Heatmap, What-if baseline, PDF, Excel report and `python -m kpi_engine score`
show the same numbers for the same files, settings and period."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import openpyxl
import pyarrow as pa
import pytest
from opencc import OpenCC
from openpyxl import load_workbook

from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.xlsx import report_xlsx
from tests.apps import open_page, start
from tests.paths import SAMPLE_DATA, sample_files
from tests.workbooks import xlsx
from ui import data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _traditional() -> bytes:
    """The sample's 采购物流部 October form written in traditional script, actuals 3 % lower:
    it replaces the department's month, and must not leave a ghost `采购物流部` behind."""
    book = openpyxl.load_workbook(
        SAMPLE_DATA / "monthly" / "2026-10" / "采购物流部_2026年10月_KPI考核表.xlsx"
    )
    to_traditional = OpenCC("s2t")
    for row in book.active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = to_traditional.convert(cell.value)
    header = [c.value for c in book.active[3]]
    actual = header.index("實際值") + 1
    for (cell,) in book.active.iter_rows(min_row=4, min_col=actual, max_col=actual):
        if isinstance(cell.value, (int, float)):
            cell.value = cell.value * 0.97
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _extra() -> bytes:
    """A new department in traditional script, sharing a KPI with `財務部` (the stored
    `财务部`) and with `法務部`, a department that only appears as a partner."""
    return xlsx(
        [
            ["2026年10月 品質管理部 KPI 考核表"],
            [
                "部門",
                "維度",
                "指標編號",
                "指標名稱",
                "指標極性",
                "權重",
                "目標值",
                "實際值",
                "協同部門",
            ],
            [
                "品質管理部",
                "客戶",
                "QA-1",
                "客訴率",
                "越低越好",
                0.5,
                0.02,
                0.017,
                "財務部、法務部",
            ],
            ["品質管理部", "內部流程", "QA-2", "一次合格率", "越高越好", 0.5, "98%", "97.3%", None],
        ]
    )


def _extras() -> list[tuple[str, bytes]]:
    return [
        ("採購物流部_2026年10月.xlsx", _traditional()),
        ("品質管理部_2026年10月.xlsx", _extra()),
    ]


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """`score --json` over the sample company's files and the extra one."""
    folder = tmp_path_factory.mktemp("files")
    paths = []
    for name, content in [*sample_files(), *_extras()]:
        path = folder / name.replace("/", "_")
        path.write_bytes(content)
        paths.append(str(path))

    def score(*period: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "kpi_engine", "score", *paths, *period, "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    return score


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:  # the module's tests read this store
        at = start(env, tmp_path_factory.mktemp("app"), lang="en")
        open_page(at, "data")
        for name, content in _extras():
            at.file_uploader[0].upload(name, content, XLSX).run()
            assert not at.exception
        yield at


def _metric(at, label: str) -> str:
    return next(m for m in at.metric if m.label == label).value


def _org(result: dict, period: str) -> float:
    return next(o["score"] for o in result["organization"] if o["period"] == period)


def _department(result: dict, department: str, period: str) -> float:
    return next(
        d["score"]
        for d in result["departments"]
        if d["department"] == department and d["period"] == period and d["perspective"] is None
    )


def _chart_rows(at) -> list[dict]:
    chart = at.get("vega_lite_chart")[0].proto
    return pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pylist()


@pytest.mark.parametrize("grain", ["month", "quarter", "half", "ytd", "year"])
def test_every_page_report_and_the_cli_show_one_organisation_score(app, cli, grain):
    at = app
    open_page(at, "overview")
    at.sidebar.segmented_control[0].set_value(grain).run()
    period = at.session_state["period"]
    flag = {"quarter": "--quarter", "ytd": "--ytd"}.get(grain, "--period")
    value = period if grain != "ytd" else period.removesuffix("-YTD")
    result = cli(flag, value)
    expected = _org(result, period)
    departments = {d["department"] for d in result["departments"]}
    assert "品質管理部" in departments and "財務部" not in departments  # one name each
    assert "采购物流部" in departments and "採購物流部" not in departments
    assert "法務部" in departments  # shown, as a partner ...

    assert _metric(at, "Organisation score") == f"{expected:.1f}"
    open_page(at, "whatif")
    assert _metric(at, "Baseline score") == f"{expected:.1f}"
    open_page(at, "scorecard")
    at.selectbox(key="scorecard_department").set_value("财务部").run()
    assert _metric(at, "Department score") == f"{_department(result, '财务部', period):.1f}"
    open_page(at, "heatmap")
    cells = {
        (r["department"], r["perspective"]): r["score"]
        for r in _chart_rows(at)
        if r["score"] is not None
    }
    for row in result["departments"]:
        if row["period"] == period and row["perspective"] and row["score"] is not None:
            assert cells[(row["department"], row["perspective"])] == pytest.approx(row["score"])

    # The leadership reports, made from the history the pages read.
    history = data.history(grain)
    settings = data.settings()
    workbook = load_workbook(io.BytesIO(report_xlsx(history, period, lang="en", settings=settings)))
    summary = workbook.worksheets[0]
    numbers = [
        c for row in summary.iter_rows(values_only=True) for c in row if isinstance(c, float)
    ]
    assert any(abs(n - expected) < 1e-9 for n in numbers)
    assert not {"財務部", "採購物流部"} & set(workbook.sheetnames)
    pdf = report_pdf(history, period, lang="en", settings=settings)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert f"{expected:.1f}" in text
