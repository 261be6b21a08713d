"""Approval and closing on the Data page: a manager's upload waits, seen by them and their
approver and not by leadership; the approver approves it (or sends it back, saying why) from
the queue; an admin closes a month, an upload for it is refused naming who closed it, and
the admin reopens it — each checked in the store the pages read."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine import DEFAULTS, store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, APPROVER, MANAGER, VIEWER, Actor
from tests import apps
from tests.apps import APP, XLSX, open_page, seen
from tests.workbooks import form, xlsx

PASSWORD = "correct horse battery"
NEW_MONTH = "2026-11"  # after the sample company's last month


def sheet(month: int, actual: float = 0.95) -> bytes:
    return xlsx(
        form(
            ["市场部", "客户", "T-1", "渠道满意度", "越高越好", 1.0, 0.9, actual],
            title=f"2026年{month}月 市场部 KPI 考核表",
        )
    )


@pytest.fixture
def cycle(monkeypatch, tmp_path) -> Path:
    """A data directory with approval on, a manager and an approver of 市场部, a leader and
    an admin; the app gives it the sample company on first start."""
    apps.use_data_dir(monkeypatch, tmp_path)
    engine = store.connect(data_dir=tmp_path)
    store.migrate(engine)
    store.save_settings(engine, DEFAULTS.with_(approval_required=True), user=Actor("张伟", ADMIN))
    users.add("李娜", PASSWORD, MANAGER, ["市场部"])
    users.add("王磊", PASSWORD, APPROVER, ["市场部"])
    users.add("周总", PASSWORD, VIEWER)
    users.add("张伟", PASSWORD, ADMIN)
    return tmp_path


def session(name: str) -> AppTest:
    """A new browser session signed in as `name`."""
    return apps.sign_in(AppTest.from_file(str(APP), default_timeout=120).run(), name, PASSWORD)


def texts(at: AppTest, kind: str) -> list[str]:
    return [seen(e.value) for e in getattr(at, kind)]


def latest_period(name: str) -> str:
    """The period the Overview opens on for `name`: the latest one in the data they see."""
    at = session(name)
    assert not at.exception, [e.message for e in at.exception]
    return at.session_state["period"]


def pending_upload(directory: Path) -> tuple[AppTest, int]:
    """李娜 uploads 市场部's new month from the Data page: it waits for approval."""
    manager = session("李娜")
    open_page(manager, "data")
    manager.file_uploader(key="uploader").upload("市场部_11.xlsx", sheet(11), XLSX).run()
    assert not manager.exception, [e.message for e in manager.exception]
    found = store.history(store.connect(data_dir=directory))
    upload = found.iloc[0]
    assert (upload["name"], upload["state"]) == ("市场部_11.xlsx", "pending")
    return manager, int(upload["upload_id"])


def test_a_managers_upload_waits_and_leadership_does_not_see_it(cycle):
    manager, upload_id = pending_upload(cycle)
    assert any("等待审核" in i for i in texts(manager, "info"))
    assert "我的待审核与已退回的上传" in texts(manager, "subheader")
    mine = next(d.value for d in manager.dataframe if "审核意见" in d.value.columns)
    assert list(mine["文件"]) == ["市场部_11.xlsx"] and list(mine["状态"]) == ["待审核"]
    assert not [b for b in manager.button if b.key == f"approve_{upload_id}"]  # not theirs

    assert latest_period("李娜") == NEW_MONTH  # the uploader sees their data
    assert latest_period("王磊") == NEW_MONTH  # and so does the approver
    leader = session("周总")
    assert leader.session_state["period"] == "2026-10"
    for page in ("overview", "scorecard"):
        open_page(leader, page)
        assert not leader.exception and leader.session_state["period"] == "2026-10"
    assert all("2026年11月" not in title for title in texts(leader, "title"))


def test_the_approver_approves_from_the_data_page(cycle):
    _, upload_id = pending_upload(cycle)
    approver = session("王磊")
    open_page(approver, "data")
    assert any(s.startswith("待审核") for s in texts(approver, "subheader"))
    assert any("李娜" in c and NEW_MONTH in c for c in texts(approver, "caption"))
    approver.text_input(key=f"review_comment_{upload_id}").input("核对无误").run()
    approver.button(key=f"approve_{upload_id}").click().run()
    assert not approver.exception, [e.message for e in approver.exception]
    assert any("已批准 市场部_11.xlsx" in s for s in texts(approver, "toast"))
    assert not [b for b in approver.button if b.key == f"approve_{upload_id}"]  # queue empty

    found = store.history(store.connect(data_dir=cycle)).set_index("upload_id").loc[upload_id]
    assert (found["state"], found["reviewed_by"], found["review_comment"]) == (
        "published",
        "王磊",
        "核对无误",
    )
    assert latest_period("周总") == NEW_MONTH  # leadership sees it now


def test_sending_back_needs_a_comment_and_the_manager_reads_it(cycle):
    _, upload_id = pending_upload(cycle)
    approver = session("王磊")
    open_page(approver, "data")
    approver.button(key=f"send_back_{upload_id}").click().run()
    assert any("写明原因" in s for s in texts(approver, "toast"))
    engine = store.connect(data_dir=cycle)
    assert store.history(engine)["state"].iloc[0] == "pending"

    approver.text_input(key=f"review_comment_{upload_id}").input("渠道满意度口径不对").run()
    approver.button(key=f"send_back_{upload_id}").click().run()
    assert store.history(engine)["state"].iloc[0] == "returned"

    manager = session("李娜")
    open_page(manager, "data")
    mine = next(d.value for d in manager.dataframe if "审核意见" in d.value.columns)
    assert mine.iloc[0][["状态", "审核人", "审核意见"]].tolist() == [
        "已退回",
        "王磊",
        "渠道满意度口径不对",
    ]
    assert latest_period("李娜") == "2026-10"  # a returned upload is shown to no one


def test_an_admin_closes_and_reopens_a_month_from_the_data_page(cycle):
    admin = session("张伟")
    open_page(admin, "data")
    admin.selectbox(key="close_period_choice").select("2026-10").run()
    admin.text_input(key="close_period_comment").input("10 月已审").run()
    admin.button(key="close_period_button").click().run()
    assert not admin.exception, [e.message for e in admin.exception]
    engine = store.connect(data_dir=cycle)
    closed = store.closed_periods(engine)
    assert closed[["period", "closed_by", "comment"]].values.tolist() == [
        ["2026-10", "张伟", "10 月已审"]
    ]
    assert "2026-10" not in admin.selectbox(key="close_period_choice").options
    assert admin.selectbox(key="reopen_period_choice").options == ["2026-10"]

    manager = session("李娜")
    open_page(manager, "data")
    before = store.revision(engine)
    manager.file_uploader(key="uploader").upload("市场部_10.xlsx", sheet(10), XLSX).run()
    assert any("张伟" in s and "关账" in s for s in texts(manager, "error"))  # stays on the page
    assert store.revision(engine) == before

    admin.button(key="reopen_period_button").click().run()
    assert store.closed_periods(engine).empty
    assert list(store.audit_log(engine)["action"][:2]) == ["reopen_period", "close_period"]
