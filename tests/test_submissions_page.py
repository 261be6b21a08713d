"""The Submissions page shows each department's period on time, late or missing in the
user's language, with who sent it; the Overview's early warnings link to it when a
department is late or missing; the Settings page sets the monthly cycle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kpi_engine import store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.i18n import period_label, t
from tests.apps import open_page, start
from tests.store_files import monthly

CLOCK = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # after October's deadline (6 November)
ADMIN_USER = Actor("张伟", ADMIN)


def _sample_upload(engine, department: str, period: str) -> int:
    found = store.history(engine)
    mine = found[
        found["departments"].map(lambda d: d == (department,))
        & found["periods"].map(lambda p: p == (period,))
    ]
    return int(mine["upload_id"].iloc[0])


@pytest.fixture
def late_and_missing(monkeypatch, tmp_path):
    """The sample company, in which 市场部 sent October again on 20 November (late, its
    on-time sample upload deleted) and 财务部's October was deleted (missing)."""
    start(monkeypatch, tmp_path)  # the sample company, stored on first start
    engine = store.connect(data_dir=tmp_path)
    for department in ("市场部", "财务部"):
        store.delete(engine, _sample_upload(engine, department, "2026-10"), user=ADMIN_USER)
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(
            "kpi_engine.store.codec.now", lambda: datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
        )
        monthly("市场部", month=10).save(engine, "李娜")
    engine.dispose()
    monkeypatch.setattr("ui.submissions.now", lambda: CLOCK)
    return tmp_path


def _board(at) -> str:
    boards = [e for e in at.get("html") if "kpi-board" in e.proto.body]
    assert len(boards) == 1
    return boards[0].proto.body


def _row(body: str, department: str) -> str:
    start_at = body.index(f'<th class="dept">{department}</th>')
    return body[start_at : body.index("</tr>", start_at)]


def test_late_and_missing_departments_in_their_words(monkeypatch, late_and_missing):
    at = start(monkeypatch, late_and_missing, lang="zh-Hans")
    open_page(at, "submissions")
    assert not at.exception, [e.message for e in at.exception]
    body = _board(at)
    october = _row(body, "市场部").split("<td")[-2]  # 2026-11 is the last column
    assert t("board.status_late", "zh-Hans") in october and "迟交" in october
    assert "李娜 · 11-20 09:30" in october  # on the organisation's clock, UTC+8
    assert "迟交" not in _row(body, "人力资源部")
    missing = _row(body, "财务部").split("<td")[-2]
    assert "未交" in missing
    # the sample company's months are on time; November is not due before 7 December
    assert "按时" in _row(body, "人力资源部") and "未到期" in _row(body, "人力资源部")
    counts = {m.label: m.value for m in at.metric}
    assert counts["迟交"] == "1" and counts["未交"] == "1" and counts["按时"] == "5"
    words = {t(f"board.status_{s}", "en") for s in ("late", "missing", "on_time", "not_due")}
    assert not any(w in body for w in words), "no English on the Chinese board"


def test_overview_links_late_and_missing_departments_to_the_board(monkeypatch, late_and_missing):
    at = start(monkeypatch, late_and_missing, lang="zh-Hans")
    assert not at.exception, [e.message for e in at.exception]
    links = [e for e in at.get("page_link") if e.proto.page.endswith("submissions")]
    month = period_label("2026-10", "zh-Hans")
    assert [e.proto.label for e in links] == [f"{month}：2 个部门迟交或未交"]


def test_no_link_when_everyone_is_on_time(monkeypatch, tmp_path):
    monkeypatch.setattr("ui.submissions.now", lambda: CLOCK)
    at = start(monkeypatch, tmp_path, lang="en")
    assert not [e for e in at.get("page_link") if e.proto.page.endswith("submissions")]
    open_page(at, "submissions")
    assert "On time" in _board(at) and "Late" not in _board(at)


def test_the_monthly_cycle_is_set_on_the_settings_page(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, lang="zh-Hans")
    open_page(at, "settings")
    at.number_input(key="settings_deadline_workday").set_value(3)
    at.text_area(key="settings_holidays").input("2026-10-01\n2026-10-02\n")
    at.text_area(key="settings_workdays").input("2026-10-10")
    at.toggle(key="settings_notes_required").set_value(True)
    at.button(key="settings_cycle_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    saved = store.load_settings(store.connect(data_dir=tmp_path))
    assert saved.deadline_workday == 3 and saved.notes_required
    assert saved.holidays == ("2026-10-01", "2026-10-02") and saved.workdays == ("2026-10-10",)
    at.text_area(key="settings_holidays").input("10月1日")
    at.button(key="settings_cycle_save").click().run()
    assert t("settings.problem_calendar_date", "zh-Hans") in [e.value for e in at.error]
    assert store.load_settings(store.connect(data_dir=tmp_path)).holidays == (
        "2026-10-01",
        "2026-10-02",
    )
