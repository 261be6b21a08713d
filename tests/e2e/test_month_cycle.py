"""Issue 17's month, walked through in Chromium by the four people who live it.

市场部's October data are due in early November; today (the machine's clock) is later, so
李娜 (its manager) uploads late. She is listed as late on the submission board, writes the
note that her red KPI needs (notes are required), and her upload waits for 赵敏 (the
department's approver, approval is required), who approves it. 王总 (leadership, a viewer)
sees it only then, and in meeting mode records an action on the red KPI. 张伟 (the admin)
closes October: a further upload for it is refused with a message naming him. November's
data come in with the KPI green again, and November's Overview says the action's KPI
recovered. The digest for October, sent to a local SMTP server, names the late department
and 销售部's red KPI that nobody explained.

One server on one data directory for the whole story (module scope); each stage is a test
of its own, in order, each with a fresh browser session signed in as its person. Words are
checked through the catalogs (`i18n.t`), widgets found by the keys of the UI contract
(Streamlit puts `st-key-<key>` on a keyed element). Screenshots go to artifacts/screenshots/month_cycle/.
"""

from __future__ import annotations

import contextlib
import datetime
import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy.engine import Engine

from benchmarks.browser import ROOT, XLSX_MIME, serve
from kpi_engine import load_files, store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, APPROVER, MANAGER, VIEWER, Actor
from kpi_engine.core.names import kpi_text_keys
from kpi_engine.i18n import period_heading, period_label, t
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_browser import nav, open_page, rerun, screenshot
from tests.store_files import PERSPECTIVES, fresh_store
from tests.workbooks import form, xlsx

SHOTS = SCREENSHOTS / "month_cycle"  # beside the other browser tests' (git-ignored)
DESKTOP = {"width": 1440, "height": 900}
WALL = {"width": 1920, "height": 1080}
LANG = "zh-Hans"
PASSWORD = "月度闭环-测试口令-2026"

MARKETING, SALES = "市场部", "销售部"
MANAGER_NAME, APPROVER_NAME, LEADER_NAME, ADMIN_NAME = "李娜", "赵敏", "王总", "张伟"
PEOPLE = {  # name: role, departments, e-mail (for the digest)
    MANAGER_NAME: (MANAGER, (MARKETING,), "li.na@example.test"),
    APPROVER_NAME: (APPROVER, (MARKETING,), "zhao.min@example.test"),
    LEADER_NAME: (VIEWER, (), "wang.zong@example.test"),
    ADMIN_NAME: (ADMIN, (), "zhang.wei@example.test"),
}
ADMIN_ACTOR = Actor(ADMIN_NAME, ADMIN)

OCTOBER, NOVEMBER = "2026-10", "2026-11"
# (id, name) of each department's KPIs, all "higher is better" with target 100; the first
# of each is red in October (actual 50: score 50 < amber's 80).
KPIS = {
    MARKETING: [("MK-1", "新客户签约数"), ("MK-2", "品牌曝光量"), ("MK-3", "活动转化率")],
    SALES: [("SA-1", "应收回款率"), ("SA-2", "销售额达成率"), ("SA-3", "客户满意度")],
}
RED_KPI = KPIS[MARKETING][0][1]
RED_KEY = kpi_text_keys(  # what her note is kept under (the KPI's id)
    pd.DataFrame(
        {"department": [MARKETING], "kpi_id": [KPIS[MARKETING][0][0]], "kpi_name": [RED_KPI]}
    )
).iloc[0]
UNEXPLAINED_KPI = KPIS[SALES][0][1]  # 销售部's red KPI: nobody writes its note
CAUSE = "十月两场展会取消，新客户线索减少约四成。"
MEASURE = "十一月起每周两场线上推介会，由李娜跟进签约。"
ACTION_WHAT = "恢复新客户签约：每周两场线上推介会"
ACTION_OWNER = "李娜"
ACTION_DUE = datetime.date(2026, 11, 30)  # the form's default: the end of the next month


def workbook(department: str, month: int, actuals: list[float]) -> tuple[str, bytes]:
    """`department`'s monthly form for 2026-`month`, its KPIs with `actuals` in order."""
    rows = [
        [department, PERSPECTIVES[i % 4], kpi_id, name, "越高越好", 1, 100, actual]
        for i, ((kpi_id, name), actual) in enumerate(zip(KPIS[department], actuals, strict=True))
    ]
    data = xlsx(form(*rows, title=f"2026年{month}月 {department} KPI 考核表"))
    return f"{department}_2026年{month}月_KPI考核表.xlsx", data


def save(engine: Engine, department: str, month: int, actuals: list[float]) -> None:
    """Store a form as the admin (published at once), as the months before did."""
    name, data = workbook(department, month, actuals)
    loaded = load_files([(name, data)])
    assert loaded.errors.empty and loaded.rows_accepted == len(actuals)
    store.save_upload(engine, name=name, data=data, loaded=loaded, uploader=ADMIN_ACTOR)


@dataclass(frozen=True)
class Cycle:
    url: str
    data: Path  # the server's data directory (its store and users file)
    engine: Engine  # the same store, read by the test

    def history(self):
        return store.history(self.engine)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    """A company with two departments, July to September published, 销售部's October
    already in (red, unexplained), approval and notes required; the server on top."""
    root = tmp_path_factory.mktemp("cycle")
    data = root / "data"  # serve() points KPI_DATA_DIR here
    data.mkdir()
    file = data / users.USERS_FILE
    for name, (role, departments, address) in PEOPLE.items():
        users.add(name, PASSWORD, role, departments, path=file)
        users.update(name, email=address, language="zh-Hans", path=file)
    engine = fresh_store(data)
    cycle_settings = replace(
        store.load_settings(engine), approval_required=True, notes_required=True
    )
    store.save_settings(engine, cycle_settings, user=ADMIN_ACTOR)
    for month in (7, 8, 9):
        for department in (MARKETING, SALES):
            save(engine, department, month, [95.0, 100.0, 102.0])
    save(engine, SALES, 10, [50.0, 100.0, 101.0])
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(root / "server.log") as url:
        yield Cycle(url, data, engine)
    engine.dispose()


@pytest.fixture(scope="module")
def smtp_sink() -> Iterator[tuple[str, list[EmailMessage]]]:
    """An SMTP server on 127.0.0.1 that keeps what it is sent: (its URL, the messages)."""
    received: list[EmailMessage] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it so
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            received.append(message)  # type: ignore[arg-type]
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}?from=kpi@example.test", received
    finally:
        controller.stop()


# --- driving the app -----------------------------------------------------------------------


def keyed(page: Page, key: str) -> Locator:
    """The element of the UI contract's `key` (Streamlit's `st-key-<key>` class)."""
    return page.locator(f".st-key-{key}")


@contextlib.contextmanager
def signed_in(
    browser: Browser, url: str, name: str, stage: str, viewport: dict = DESKTOP
) -> Iterator[Page]:
    """A fresh session at `url`, signed in as `name` through the sign-in form, then on
    the page `url` names (the sign-in screen may have been drawn on the default page);
    what the page showed when a check failed is kept as <stage>-failed.png beside them."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(120_000)  # a run of the Data page as admin on a busy machine
    page = context.new_page()
    try:
        open_page(page, url)
        keyed(page, "sign_in_name").locator("input").fill(name)
        keyed(page, "sign_in_password").locator("input").fill(PASSWORD)
        rerun(page, page.get_by_role("button", name=t("auth.sign_in")).click)
        expect(page.get_by_text(name).first).to_be_visible()  # the sidebar's "signed in as"
        wanted = urllib.parse.urlsplit(url).path.strip("/")
        if wanted and wanted not in page.url:
            nav(page, t(f"page.{wanted}"))
        yield page
    except BaseException:
        page.screenshot(path=SHOTS / f"{stage}-failed.png", full_page=True)
        raise
    finally:
        context.close()


def choose(page: Page, key: str | Locator, option: str) -> None:
    """Pick the option whose text contains `option` in the selectbox of `key` (or the
    combobox given; nothing to do when it is picked already: that runs nothing)."""
    box = keyed(page, key).get_by_role("combobox") if isinstance(key, str) else key
    if option in box.input_value():
        return
    box.click()
    choice = page.get_by_role("option").filter(has_text=option).first
    rerun(page, choice.click)


def department(page: Page, name: str) -> None:
    """The scorecard's department."""
    main = page.locator('[data-testid="stMain"]')
    choose(page, main.get_by_role("combobox", name=t("common.department")), name)


def type_into(page: Page, key: str, text: str, *, area: bool = False) -> None:
    """Type into the text input (or area) of `key` and commit it (Enter / Ctrl+Enter)."""
    field = keyed(page, key).locator("textarea" if area else "input")
    field.fill(text)
    rerun(page, lambda: field.press("Control+Enter" if area else "Enter"))


def upload(page: Page, name: str, data: bytes) -> None:
    files = [{"name": name, "mimeType": XLSX_MIME, "buffer": data}]
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    rerun(page, lambda: dropzone.set_input_files(files=files))


def shoot(page: Page, name: str) -> None:
    screenshot(page, SHOTS / f"{name}.png")


def board_cell(page: Page, department: str, period: str) -> Locator:
    """The status word of the board's cell of `department` x `period` (the board is one
    table: a row per department, a column per period, headed by its label)."""
    board = keyed(page, "board")
    expect(board.locator("table")).to_be_visible()
    heads = [h.strip() for h in board.locator("thead th").all_text_contents()]
    column = heads.index(period_label(period, LANG))  # 0 is the department column
    row = board.locator("tbody tr").filter(
        has=page.locator("th", has_text=re.compile(f"^{re.escape(department)}$"))
    )
    return row.locator("td").nth(column - 1).locator(".word")


def uploads_of(cycle: Cycle, department: str, period: str):
    """The store's upload log rows of `department`'s `period`, oldest first."""
    log = store.submission_log(cycle.engine)
    return log.loc[(log["department"] == department) & (log["period"] == period)]


def pending_upload_id(cycle: Cycle) -> int:
    waiting = store.pending(cycle.engine)
    assert len(waiting) == 1, waiting
    return int(waiting["upload_id"].iloc[0])


# --- the month, stage by stage -------------------------------------------------------------


def test_1_the_manager_uploads_late_and_is_listed_as_late(browser: Browser, cycle: Cycle):
    with signed_in(browser, f"{cycle.url}/submissions", MANAGER_NAME, "1") as page:
        # Past the deadline (the machine's today, December 2026, is after early November)
        # and nothing in: missing.
        expect(keyed(page, "board")).to_be_visible()
        expect(board_cell(page, MARKETING, OCTOBER)).to_have_text(t("board.status_missing"))
        shoot(page, "1-board-missing")

        nav(page, t("page.data"))
        name, data = workbook(MARKETING, 10, [50.0, 100.0, 98.0])
        upload(page, name, data)
        expect(
            page.get_by_text(t("data.summary_done", file=name, accepted=3, rejected=0))
        ).to_be_visible()
        shoot(page, "1-manager-upload")
        log = uploads_of(cycle, MARKETING, OCTOBER)
        assert list(log["uploader"]) == [MANAGER_NAME]
        assert list(log["state"]) == ["pending"]  # approval is required of a manager

        # Late, and waiting for approval: the board says what is to be done now (approve);
        # it says late once published (stage 4).
        nav(page, t("page.submissions"))
        expect(board_cell(page, MARKETING, OCTOBER)).to_have_text(t("board.status_pending"))
        shoot(page, "1-board-pending")


def test_1b_a_red_kpi_without_a_note_leaves_the_submission_incomplete(
    browser: Browser, cycle: Cycle
):
    """销售部's October is published but its red KPI has no note, and notes are required."""
    with signed_in(browser, f"{cycle.url}/submissions", ADMIN_NAME, "1b") as page:
        expect(board_cell(page, SALES, OCTOBER)).to_have_text(t("board.status_notes_needed"))
        shoot(page, "1b-board-notes-needed")


def test_2_leadership_does_not_see_pending_data(browser: Browser, cycle: Cycle):
    with signed_in(browser, f"{cycle.url}/scorecard", LEADER_NAME, "2") as page:
        choose(page, "period", OCTOBER)
        department(page, MARKETING)
        main = page.locator('[data-testid="stMain"]')
        expect(main).not_to_contain_text(RED_KPI)
        shoot(page, "2-leader-before-approval")


def test_3_the_manager_writes_the_note_her_red_kpi_needs(browser: Browser, cycle: Cycle):
    with signed_in(browser, f"{cycle.url}/scorecard", MANAGER_NAME, "3") as page:
        choose(page, "period", OCTOBER)
        department(page, MARKETING)
        main = page.locator('[data-testid="stMain"]')
        expect(main).to_contain_text(t("notes.needed_count", n=1))  # her pending data's red KPI
        choose(page, "note_kpi", RED_KPI)
        type_into(page, "note_cause", CAUSE, area=True)
        type_into(page, "note_measure", MEASURE, area=True)
        rerun(page, keyed(page, "note_save").locator("button").click)
        expect(main).to_contain_text(
            CAUSE.rstrip("。")
        )  # beside the KPI (the table's accessible copy)
        expect(main).not_to_contain_text(t("notes.needed_count", n=1))
        shoot(page, "3-manager-note")
        notes = store.notes(cycle.engine, [OCTOBER])
        mine = notes.loc[notes["department"] == MARKETING]
        assert list(mine["kpi_key"]) == [RED_KEY]
        assert list(mine["author"]) == [MANAGER_NAME]
        assert (list(mine["cause"]), list(mine["measure"])) == ([CAUSE], [MEASURE])

        # Explained and waiting for the approver: the board no longer asks for a note.
        nav(page, t("page.submissions"))
        row = board_cell(page, MARKETING, OCTOBER)
        expect(row).not_to_contain_text(t("board.status_notes_needed"))
        shoot(page, "3-board-after-note")


def test_4_the_approver_approves(browser: Browser, cycle: Cycle):
    upload_id = pending_upload_id(cycle)
    with signed_in(browser, f"{cycle.url}/data", APPROVER_NAME, "4") as page:
        type_into(page, f"review_comment_{upload_id}", "数据已核对，同意发布。")
        shoot(page, "4-approver-queue")
        rerun(page, keyed(page, f"approve_{upload_id}").locator("button").click)
        expect(keyed(page, f"approve_{upload_id}")).to_have_count(0)
        shoot(page, "4-approver-approved")
        log = uploads_of(cycle, MARKETING, OCTOBER)
        assert list(log["state"]) == ["published"]
        assert list(log["reviewed_by"]) == [APPROVER_NAME]
        history = cycle.history()
        approved = history.loc[history["upload_id"] == upload_id]
        assert list(approved["review_comment"]) == ["数据已核对，同意发布。"]

        nav(page, t("page.submissions"))  # published, and it was late
        expect(board_cell(page, MARKETING, OCTOBER)).to_contain_text(t("board.status_late"))
        shoot(page, "4-board-published-late")


def test_5_leadership_sees_it_with_its_note(browser: Browser, cycle: Cycle):
    with signed_in(browser, f"{cycle.url}/scorecard", LEADER_NAME, "5") as page:
        choose(page, "period", OCTOBER)
        department(page, MARKETING)
        main = page.locator('[data-testid="stMain"]')
        expect(main).to_contain_text(RED_KPI)
        expect(main).to_contain_text(CAUSE.rstrip("。"))  # a cell drops the closing stop
        shoot(page, "5-leader-scorecard")


def test_6_an_action_is_added_in_meeting_mode(browser: Browser, cycle: Cycle):
    with signed_in(browser, f"{cycle.url}/?meeting=1", LEADER_NAME, "6", viewport=WALL) as page:
        # October is the latest period, on the wall; the form is for it.
        opener = page.get_by_role("button", name=t("actions.add_title"))
        opener.click()  # opening a popover runs nothing
        form = page.locator('[data-testid="stPopoverBody"]')
        expect(form).to_contain_text(t("actions.period_of", period=period_heading(OCTOBER, LANG)))
        choose(page, "action_target", RED_KPI)
        type_into(page, "action_what", ACTION_WHAT)
        type_into(page, "action_owner", ACTION_OWNER)
        # the due date is left at the form's default, the end of the next month (setting
        # another date is tests/test_actions_page.py's: AppTest sets the widget's value)
        expect(keyed(page, "action_due")).to_be_visible()
        shoot(page, "6-meeting-action-form")
        rerun(page, keyed(page, "action_add").locator("button").click)
        shoot(page, "6-meeting-action-added")
        found = store.actions(cycle.engine, period=OCTOBER)
        assert list(found["what"]) == [ACTION_WHAT]
        row = found.iloc[0]
        assert (row["department"], row["kpi"], row["owner"]) == (MARKETING, RED_KPI, ACTION_OWNER)
        assert (row["created_by"], str(row["due"])[:10]) == (LEADER_NAME, ACTION_DUE.isoformat())


def test_7_the_admin_closes_the_month_and_a_further_upload_is_refused(
    browser: Browser, cycle: Cycle
):
    with signed_in(browser, f"{cycle.url}/data", ADMIN_NAME, "7") as page:
        choose(page, "close_period_choice", OCTOBER)
        shoot(page, "7-admin-close")
        keyed(page, "close_period_button").locator("button").click()
        # closed: the month is now the one offered for reopening
        reopen = keyed(page, "reopen_period_choice").get_by_role("combobox")
        expect(reopen).to_have_value(period_label(OCTOBER, LANG))
        closed = store.closed_periods(cycle.engine)
        assert list(closed["period"]) == [OCTOBER]
        assert list(closed["closed_by"]) == [ADMIN_NAME]

        before = len(cycle.history())
        name, data = workbook(MARKETING, 10, [60.0, 100.0, 98.0])
        upload(page, name, data)
        shoot(page, "7-upload-refused")
        said = '[data-testid="stToast"], [data-testid="stAlert"]'
        refusal = page.locator(said).filter(has_text=ADMIN_NAME)
        expect(refusal.first).to_be_visible()
        # the catalog's words around the period and the name (the period as the page shows it)
        head = t("data.period_closed", period="\0", user="\0").split("\0")
        for part in (p for p in head if p.strip()):
            expect(refusal.first).to_contain_text(part.strip())
        assert len(cycle.history()) == before  # nothing stored


def test_8_next_months_overview_shows_the_actions_outcome(browser: Browser, cycle: Cycle):
    with signed_in(browser, f"{cycle.url}/data", ADMIN_NAME, "8") as page:
        name, data = workbook(MARKETING, 11, [104.0, 100.0, 99.0])  # the red KPI recovered
        upload(page, name, data)
        expect(
            page.get_by_text(t("data.summary_done", file=name, accepted=3, rejected=0))
        ).to_be_visible()
        nav(page, t("page.overview"), chart=True)
        choose(page, "period", NOVEMBER)
        last = keyed(page, "last_actions")
        expect(last).to_contain_text(ACTION_WHAT)
        expect(last).to_contain_text(t("actions.outcome_recovered"))
        shoot(page, "8-overview-next-month")


def test_9_the_digest_reaches_the_local_smtp_server(
    cycle: Cycle, smtp_sink: tuple[str, list[EmailMessage]], tmp_path: Path
):
    url, received = smtp_sink
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "KPI_DATA_DIR": str(cycle.data),
        "KPI_SMTP_URL": url,
    }
    command = [sys.executable, "-m", "kpi_engine", "digest", "--period", OCTOBER, "--send"]
    command += ["--out", str(tmp_path / "digest")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert received, "no mail reached the sink"
    mail = {parseaddr(str(m["To"]))[1]: m for m in received}
    assert set(mail) == {address for _, _, address in PEOPLE.values()}, set(mail)

    def text_of(address: str) -> str:
        parts = {p.get_content_type(): p for p in mail[address].walk() if not p.is_multipart()}
        assert {"text/plain", "text/html"} <= set(parts), set(parts)
        return parts["text/plain"].get_content()

    def line(department: str, what: str) -> str:
        return t("digest.item", where=department, what=what)

    leader = text_of(PEOPLE[LEADER_NAME][2])
    late = line(MARKETING, t("board.status_late"))
    assert late in leader, leader  # 市场部 sent October after its deadline
    assert line(SALES, UNEXPLAINED_KPI) in leader, leader  # red, and nobody explained it
    assert line(MARKETING, RED_KPI) not in leader, leader  # 李娜 did
    manager = text_of(PEOPLE[MANAGER_NAME][2])  # a department head reads of her own only
    assert late in manager and SALES not in manager, manager
