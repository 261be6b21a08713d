"""Issue 11's check as a person meets it: workbooks the project never saw, written the way
Chinese departments write them, uploaded in Chromium to a fresh server, and every number
the browser shows for the month reproduced by `python -m kpi_engine score` on the same files.

The held-out workbooks are built here, in code, and no other test uses them:

- a simplified-Chinese monthly form for a new department, 质量管理部: the title glued
  (`2026年10月份质量管理部KPI考核表`), a 填报人/填报日期 line above the header (dated the
  next month), a 序号 column, a 合计 row, a 备注 line and signature lines below;
- the sample company's 采购物流部 form for 2026-10 as a traditional-script office keeps it
  (every text through OpenCC s2t, so the department is `採購物流部`), other actuals: it
  replaces that department's month, which keeps its one name, 采购物流部;
- an English long-layout sheet for `Customer Service`, one KPI shared
  `财务部; 市场部`, and one actual an Excel error cell (#DIV/0!): an error naming the
  error; the good rows are accepted with the Data page's button.

Waiting is on the app's own signals (tests/e2e/test_browser.py), never on sleeps.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import opencc
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Locator, Page, expect

from benchmarks.browser import CHART, XLSX_MIME
from kpi_engine.i18n import period_heading, score_text, t
from tests.e2e.conftest import ROOT
from tests.e2e.test_browser import (
    aria_fields,
    nav,
    open_page,
    rerun,
    screenshot,
    title,
)
from tests.paths import SAMPLE_DATA, sample_files

PERIOD = "2026-10"
QUALITY = "质量管理部"
PURCHASING = "采购物流部"  # as the sample company stores it
PURCHASING_HANT = opencc.OpenCC("s2t").convert(PURCHASING)  # 採購物流部
SERVICE = "Customer Service"

QUALITY_FILE = f"{QUALITY}_2026年10月份_KPI考核表.xlsx"
PURCHASING_FILE = f"{PURCHASING_HANT}_2026年10月_KPI考核表.xlsx"
SERVICE_FILE = "Customer Service KPIs 2026.xlsx"

# The signature line below the quality form's table, cell by cell (columns A, D, G).
SIGNATURES = ("部门负责人（签字）：", "分管领导审核：", "日期：")
SIGNATURE_ROW = 12  # its sheet row (1-based), as the validation report names it
ERROR_ROW = 6  # the Customer Service sheet row whose actual is #DIV/0!


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def quality_form() -> bytes:
    """A new department's monthly form as its office types it."""
    book = Workbook()
    sheet = book.active
    sheet.title = "10月"
    rows: list[list[object]] = [
        [f"2026年10月份{QUALITY}KPI考核表"],
        ["填报人：张三  填报日期：2026-11-05"],
        ["序号", "维度", "指标编号", "指标名称", "方向", "权重", "目标值", "实际值", "单位"],
        [1, "财务", "QM-01", "质量损失率", "越低越好", "20%", "1.5%", "1.2%", "%"],
        [2, "客户", "QM-02", "客户投诉处理及时率", "越高越好", "25%", "95%", "97.5%", "%"],
        [3, "内部流程", "QM-03", "产品一次交验合格率", "越高越好", "30%", "98%", "96.4%", "%"],
        [4, "内部流程", "QM-04", "质量问题闭环周期", "越低越好", "10%", 7, 8, "天"],
        [5, "学习与成长", "QM-05", "质量培训覆盖率", "越高越好", "15%", "90%", "92%", "%"],
        ["合计", None, None, None, None, "100%"],
        [],
        ["备注：实际值为月末统计口径。"],
        [SIGNATURES[0], None, None, SIGNATURES[1], None, None, SIGNATURES[2]],
        ["制表：李四        审核：王五        批准："],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:I1")
    sheet.merge_cells("A13:I13")  # a merged sign-off line as well
    assert sheet.cell(SIGNATURE_ROW, 1).value == SIGNATURES[0]
    return _save(book)


def purchasing_actuals() -> dict[str, float]:
    """采购物流部's October actuals in the held-out form (the sample's differ)."""
    return {
        "PUR-01": 262.0,
        "PUR-02": 0.036,
        "PUR-03": 8100.0,
        "PUR-04": 0.962,
        "PUR-05": 0.941,
        "PUR-06": 9.4,
        "PUR-07": 3.4,
        "PUR-08": 0.9,
        "PUR-09": 58.0,
    }


def purchasing_form() -> bytes:
    """The sample's 采购物流部 2026-10 form, every text in traditional script, new actuals."""
    path = SAMPLE_DATA / "monthly" / PERIOD / f"{PURCHASING}_2026年10月_KPI考核表.xlsx"
    book = load_workbook(path)
    sheet = book.active
    convert = opencc.OpenCC("s2t").convert
    header = {cell.value: cell.column for cell in sheet[3]}
    actuals = purchasing_actuals()
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = convert(cell.value)
    sheet.title = convert(sheet.title)
    id_column, actual_column = header["指标编号"], header["实际值"]
    for r in range(4, sheet.max_row + 1):
        kpi = sheet.cell(r, id_column).value
        if kpi in actuals:
            sheet.cell(r, actual_column).value = actuals.pop(kpi)
    assert not actuals, f"KPIs not in the sample's form: {actuals}"
    assert PURCHASING_HANT in sheet["A1"].value
    return _save(book)


def service_sheet() -> bytes:
    """An English long-layout sheet: two months, one KPI shared with two departments, one
    actual a broken formula (#DIV/0!)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "KPI data"
    header = [
        "Period",
        "Department",
        "KPI ID",
        "KPI name",
        "Perspective",
        "Direction",
        "Weight",
        "Target",
        "Actual",
        "Unit",
        "Shared with",
    ]
    rows: list[list[object]] = [
        header,
        ["2026-09", SERVICE, "CS-1", "First-contact resolution", "Customer", "higher", 40, 0.8, 0.78, "%", None],
        ["2026-09", SERVICE, "CS-2", "Refunds processed on time", "Financial", "higher", 30, 0.95, 0.97, "%", "财务部; 市场部"],
        ["2026-09", SERVICE, "CS-3", "Tickets per agent", "Internal process", "lower", 30, 12, 11, "tickets", None],
        ["2026-10", SERVICE, "CS-1", "First-contact resolution", "Customer", "higher", 40, 0.8, 0.83, "%", None],
        ["2026-10", SERVICE, "CS-3", "Tickets per agent", "Internal process", "lower", 30, 12, "#DIV/0!", "tickets", None],
        ["2026-10", SERVICE, "CS-2", "Refunds processed on time", "Financial", "higher", 30, 0.95, 0.91, "%", "财务部; 市场部"],
    ]  # fmt: skip
    for row in rows:
        sheet.append(row)
    error = sheet.cell(ERROR_ROW, header.index("Actual") + 1)
    error.value, error.data_type = "#DIV/0!", "e"  # as Excel saves a broken formula's cell
    assert sheet.cell(ERROR_ROW, 3).value == "CS-3"
    return _save(book)


def held_out() -> list[tuple[str, bytes]]:
    return [
        (QUALITY_FILE, quality_form()),
        (PURCHASING_FILE, purchasing_form()),
        (SERVICE_FILE, service_sheet()),
    ]


def cli_score(files: list[tuple[str, bytes]], folder: Path) -> dict:
    """`python -m kpi_engine score --period 2026-10 --json` on the files, written to disk."""
    folder.mkdir()
    paths = []
    for name, content in files:
        path = folder / name
        assert not path.exists(), f"two files named {name}"
        path.write_bytes(content)
        paths.append(str(path))
    command = [sys.executable, "-m", "kpi_engine", "score", "--period", PERIOD, "--json"]
    done = subprocess.run([*command, *paths], cwd=ROOT, capture_output=True, check=True)
    return json.loads(done.stdout)


def issue_cards(page: Page, file: str) -> Locator:
    """The validation report's cards (one alert per issue) of one uploaded file: those in
    the innermost block naming the file."""
    box = page.locator('[data-testid="stVerticalBlock"]').filter(has_text=file).last
    return box.locator('[data-testid="stAlert"]')


def test_held_out_workbooks_uploaded_in_chromium_score_as_the_cli_scores_them(
    page: Page, fresh_app_url: str, screenshots: Path, tmp_path: Path
):
    files = held_out()
    cli = cli_score([*sample_files(), *files], tmp_path / "cli")
    # The CLI scores the good rows and reports the broken cell, nothing else, as an error.
    assert [(e["file"], e["row"], e["column"], e["value"]) for e in cli["errors"]] == [
        (SERVICE_FILE, ERROR_ROW, "Actual", "#DIV/0!")
    ]
    [organisation] = cli["organization"]
    overall = {d["department"]: d["score"] for d in cli["departments"] if d["perspective"] is None}
    assert {QUALITY, PURCHASING, SERVICE} <= set(overall) and PURCHASING_HANT not in overall

    # --- the Data page: all three files through the real file input ----------------------
    open_page(page, f"{fresh_app_url}/data")
    expect(title(page)).to_have_text(t("page.data"))
    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    picked = [{"name": n, "mimeType": XLSX_MIME, "buffer": b} for n, b in files]
    rerun(page, lambda: upload.set_input_files(files=picked))
    for name, accepted, rejected in (
        (QUALITY_FILE, 5, 0),
        (PURCHASING_FILE, 11, 0),  # 9 KPIs and the month's two 加分項 rows
        (SERVICE_FILE, 5, 1),
    ):
        summary = t("data.summary_pending", file=name, accepted=accepted, rejected=rejected)
        if not rejected:  # a file without errors is stored at once
            summary = t("data.summary_done", file=name, accepted=accepted, rejected=rejected)
        expect(page.get_by_text(summary)).to_be_visible()

    # The signature lines below the quality form are notes (warnings), never errors.
    field = "data.issue_field"
    quality = issue_cards(page, QUALITY_FILE)
    signed = quality.filter(has_text=t("issue.signature_row"))
    expect(signed).to_have_count(2)  # the signature line and the merged 制表/审核/批准 line
    icons = quality.locator('[data-testid="stIconMaterial"]')  # error cards bear "error"
    expect(icons.filter(has_text=re.compile(r"^error$"))).to_have_count(0)
    for line, row in zip(signed.all(), (SIGNATURE_ROW, 13), strict=True):
        expect(line).to_contain_text(t(field, label=t("report.sheet"), value="10月"))
        expect(line).to_contain_text(t("data.issue_row", row=row))

    # The broken formula is an error naming #DIV/0! on its own row; the others load.
    service = issue_cards(page, SERVICE_FILE)
    error = service.filter(has_text=t("issue.excel_error", error="#DIV/0!"))
    expect(error).to_have_count(1)
    for part in (
        t(field, label=t("report.sheet"), value="KPI data"),
        t("data.issue_row", row=ERROR_ROW),
        t(field, label=t("report.column"), value="Actual"),
        t(field, label=t("report.value"), value="#DIV/0!"),
    ):
        expect(error).to_contain_text(part)
    accept = page.get_by_role("button", name=t("data.accept_good_rows"))
    expect(accept).to_have_count(1)  # only the file with an error waits for the button
    rerun(page, accept.click)
    expect(accept).to_have_count(0)
    expect(page.get_by_text(t("data.joined"))).to_have_count(3)
    screenshot(page, screenshots / "held_out_data.png")

    # --- the Overview: the organisation score the CLI computes ---------------------------
    nav(page, t("page.overview"), chart=True)
    expect(title(page)).to_have_text(period_heading(PERIOD))  # the period and its grain
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name=t("sidebar.period"))).to_have_value(PERIOD)
    metric = page.locator('[data-testid="stMetricValue"]').first
    expect(metric).to_have_text(score_text(organisation["score"]))
    bars = page.locator(CHART).first.locator("svg text")
    for department in (QUALITY, PURCHASING, SERVICE):
        expect(bars.filter(has_text=department)).to_have_count(1)
    expect(page.get_by_text(PURCHASING_HANT)).to_have_count(0)
    screenshot(page, screenshots / "held_out_overview.png")

    # --- the Heatmap: one row per department, each cell the CLI's score ------------------
    nav(page, t("page.heatmap"), chart=True)
    heatmap = page.locator(CHART).first
    for department in (QUALITY, PURCHASING, SERVICE):
        expect(heatmap.locator("svg text", has_text=department)).to_have_count(1)
    expect(page.get_by_text(PURCHASING_HANT)).to_have_count(0)
    shown = {
        (f[t("common.department")], f[t("common.perspective")]): f[t("common.score")]
        for f in map(aria_fields, heatmap.locator("svg path[aria-label]").all())
        if t("common.score") in f
    }
    expected = {
        (d["department"], t(f"perspective.{d['perspective']}")): score_text(d["score"])
        for d in cli["departments"]
        if d["perspective"] is not None
    }
    # every score the CLI gives, and an empty (—) cell where a department has no KPI
    assert {cell: shown[cell] for cell in expected} == expected
    assert {shown[cell] for cell in set(shown) - set(expected)} <= {score_text(None)}
    screenshot(page, screenshots / "held_out_heatmap.png")
