"""Approval of uploads: with the setting on, a manager's upload is pending until an approver
of its department (or an admin) approves it, with a comment, or sends it back, saying why;
pending data is seen by its uploader and its approvers only, never by leadership; approving
makes it the version shown; a closed month refuses it; every step is audit-logged."""

from __future__ import annotations

import pytest

from kpi_engine import DEFAULTS, load_files, store
from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import ADMIN, ANALYST, APPROVER, MANAGER, VIEWER, Actor
from tests.store_files import fresh_store, monthly
from tests.workbooks import xlsx

ADMIN_USER = Actor("张伟", ADMIN)
MARKETING = Actor("李娜", MANAGER, ("市场部",))
MARKETING_HEAD = Actor("王磊", APPROVER, ("市场部",))
FINANCE_HEAD = Actor("赵敏", APPROVER, ("财务部",))
LEADER = Actor("周总", VIEWER)
ANALYST_USER = Actor("陈静", ANALYST)


@pytest.fixture
def engine(tmp_path):
    """A store with 市场部 2026-10 published (actual 80) and approval switched on."""
    engine = fresh_store(tmp_path)
    monthly(month=10, actual=80).save(engine, uploader=ADMIN_USER)
    store.save_settings(engine, DEFAULTS.with_(approval_required=True), user=ADMIN_USER)
    yield engine
    engine.dispose()


def actual(engine, viewer: Actor | None = None) -> float:
    """市场部's first KPI in 2026-10 as `viewer` sees it."""
    kpis = store.current_kpis(engine, viewer)
    rows = kpis[(kpis["kpi_id"] == "K-1") & (kpis["period"] == "2026-10")]
    assert len(rows) == 1, "one version of a department's month is shown"
    return float(rows["actual"].iloc[0])


def state_of(engine, upload_id: int) -> str:
    found = store.history(engine)
    return found.loc[found["upload_id"] == upload_id, "state"].iloc[0]


def test_a_managers_upload_waits_only_when_approval_is_on(tmp_path):
    engine = fresh_store(tmp_path)
    off = monthly(month=10, actual=81).save(engine, uploader=MARKETING)
    assert off.state == "published" and actual(engine) == 81  # the setting is off by default

    store.save_settings(engine, DEFAULTS.with_(approval_required=True), user=ADMIN_USER)
    waiting = monthly(month=10, actual=82).save(engine, uploader=MARKETING)
    assert waiting.stored and waiting.state == "pending" and waiting.replaced == ()
    assert actual(engine) == 81  # everyone still sees the published version
    assert state_of(engine, waiting.upload_id) == "pending"

    for uploader, value in ((MARKETING_HEAD, 83), (ADMIN_USER, 84)):  # publish at once
        result = monthly(month=10, actual=value).save(engine, uploader=uploader)
        assert result.state == "published" and actual(engine) == value


def test_pending_data_is_seen_by_its_uploader_and_approvers_not_by_leadership(engine):
    waiting = monthly(month=10, actual=95).save(engine, uploader=MARKETING)
    seen = {
        who.name: actual(engine, who)
        for who in (MARKETING, MARKETING_HEAD, ADMIN_USER, FINANCE_HEAD, LEADER, ANALYST_USER)
    }
    assert seen == {"李娜": 95, "王磊": 95, "张伟": 95, "赵敏": 80, "周总": 80, "陈静": 80}
    assert actual(engine) == 80
    another_manager = Actor("孙强", MANAGER, ("市场部",))  # reports for it, did not send it
    assert actual(engine, another_manager) == 80
    assert store.shown_pending(engine, MARKETING_HEAD) == (waiting.upload_id,)
    assert store.shown_pending(engine, LEADER) == ()
    assert list(store.pending(engine)["upload_id"]) == [waiting.upload_id]
    assert list(store.pending(engine, MARKETING_HEAD)["upload_id"]) == [waiting.upload_id]
    for nobody_to_review in (FINANCE_HEAD, LEADER, MARKETING):  # the uploader sees, not reviews
        assert store.pending(engine, nobody_to_review).empty
    history = store.history(engine)
    assert not history.loc[history["upload_id"] == waiting.upload_id, "current"].iloc[0]


def test_approving_makes_it_the_version_everyone_sees(engine):
    waiting = monthly(month=10, actual=95).save(engine, uploader=MARKETING)
    later = monthly(month=10, actual=70).save(engine, uploader=ADMIN_USER)  # published after it
    assert actual(engine) == 70
    store.approve(engine, waiting.upload_id, user=MARKETING_HEAD, comment="核对无误")
    assert actual(engine) == 95 and actual(engine, LEADER) == 95  # approval gives the next seq
    found = store.history(engine).set_index("upload_id")
    row = found.loc[waiting.upload_id]
    assert (row["state"], row["reviewed_by"], row["review_comment"]) == (
        "published",
        "王磊",
        "核对无误",
    )
    assert row["current"] and not found.loc[later.upload_id, "current"]
    assert row["reviewed_at"] is not None
    versions = store.versions(engine, "市场部", "2026-10")
    assert list(versions["state"]) == ["published", "published", "published"]
    assert list(versions["current"]) == [False, True, False]
    assert store.pending(engine).empty


def test_sending_back_needs_a_reason_and_hides_the_upload_from_everyone(engine):
    waiting = monthly(month=10, actual=95).save(engine, uploader=MARKETING)
    before = store.revision(engine)
    for blank in ("", "   "):
        with pytest.raises(store.Refused) as refused:
            store.send_back(engine, waiting.upload_id, user=MARKETING_HEAD, comment=blank)
        assert refused.value.code == "comment_required"
    assert store.revision(engine) == before and state_of(engine, waiting.upload_id) == "pending"

    store.send_back(engine, waiting.upload_id, user=ADMIN_USER, comment="2 月数据填错了")
    assert state_of(engine, waiting.upload_id) == "returned"
    assert actual(engine, MARKETING) == 80 and actual(engine, ADMIN_USER) == 80
    assert store.pending(engine).empty
    versions = store.versions(engine, "市场部", "2026-10")
    assert list(versions["state"]) == ["published", "returned"]

    with pytest.raises(store.Refused) as refused:  # a returned upload is not approved later
        store.approve(engine, waiting.upload_id, user=MARKETING_HEAD)
    assert refused.value.code == "not_pending" and refused.value.params["state"] == "returned"
    assert refused.value.params["user"] == "张伟" and "returned" in str(refused.value)
    with pytest.raises(store.Refused) as refused:
        store.restore(engine, waiting.upload_id, user=ADMIN_USER)  # nor shown by a restore
    assert refused.value.code == "not_published"
    assert actual(engine) == 80

    again = monthly(month=10, actual=95).save(engine, uploader=MARKETING)  # sent again
    assert again.stored and again.upload_id != waiting.upload_id and again.state == "pending"


def test_only_approvers_of_every_department_it_covers_and_admins_review(engine):
    waiting = monthly(month=10, actual=95).save(engine, uploader=MARKETING)
    before = store.revision(engine)
    for who in (MARKETING, LEADER, ANALYST_USER):
        with pytest.raises(access.Forbidden) as refused:
            store.approve(engine, waiting.upload_id, user=who)
        assert refused.value.code == "forbidden"
    for review in (store.approve, store.send_back):
        with pytest.raises(access.Forbidden) as refused:
            review(engine, waiting.upload_id, user=FINANCE_HEAD, comment="不是我的部门")
        assert refused.value.code == "review_departments"
        assert refused.value.params["departments"] == "市场部"
    assert store.revision(engine) == before and actual(engine) == 80

    both = Actor("钱总", APPROVER, ("市场部", "财务部"))
    store.approve(engine, waiting.upload_id, user=both)
    assert actual(engine) == 95
    with pytest.raises(store.Refused) as refused:  # approved already: say by whom
        store.approve(engine, waiting.upload_id, user=ADMIN_USER)
    assert refused.value.code == "not_pending" and refused.value.params["user"] == "钱总"


def test_a_closed_month_refuses_approval_until_reopened(engine):
    waiting = monthly(month=10, actual=95).save(engine, uploader=MARKETING)
    store.close_period(engine, "2026-10", user=ADMIN_USER)
    for review in (store.approve, store.send_back):
        with pytest.raises(store.Refused) as refused:
            review(engine, waiting.upload_id, user=MARKETING_HEAD, comment="ok")
        assert refused.value.code == "period_closed" and refused.value.params["user"] == "张伟"
    assert state_of(engine, waiting.upload_id) == "pending" and actual(engine) == 80
    store.reopen_period(engine, "2026-10", user=ADMIN_USER)
    store.approve(engine, waiting.upload_id, user=MARKETING_HEAD)
    assert actual(engine) == 95


def test_each_review_is_in_the_audit_log_with_its_comment(engine):
    first = monthly(month=10, actual=95).save(engine, uploader=MARKETING)
    second = monthly(month=11, actual=60).save(engine, uploader=MARKETING)
    store.approve(engine, first.upload_id, user=MARKETING_HEAD, comment="通过")
    store.send_back(engine, second.upload_id, user=MARKETING_HEAD, comment="缺少原因分析")
    log = store.audit_log(engine).head(4)
    entries = list(zip(log["user"], log["action"], log["upload_id"], strict=True))
    assert entries[::-1] == [
        ("李娜", "upload", first.upload_id),
        ("李娜", "upload", second.upload_id),
        ("王磊", "approve", first.upload_id),
        ("王磊", "send_back", second.upload_id),
    ]
    assert [d["comment"] for d in log["detail"].head(2)] == ["缺少原因分析", "通过"]
    assert log["detail"].iloc[3]["state"] == "pending"


def test_the_same_file_again_is_a_duplicate_for_its_uploader_and_published_by_an_approver(
    engine,
):
    form = monthly(month=10, actual=95)
    waiting = form.save(engine, uploader=MARKETING)
    again = form.save(engine, uploader=MARKETING)
    assert again.status == store.DUPLICATE and again.upload_id == waiting.upload_id
    assert again.state == "pending"
    published = form.save(engine, uploader=MARKETING_HEAD)  # the approver sends it themselves
    assert published.stored and published.state == "published" and actual(engine) == 95


def test_a_pending_uploads_definitions_count_once_approved(engine):
    defs = xlsx(
        [
            ["部门", "维度", "指标编号", "指标名称", "方向", "权重", "目标值"],
            ["市场部", "财务", "M-1", "营业收入", "越高越好", 1, 100],
        ],
        sheet="指标定义",
    )
    loaded = load_files([("defs.xlsx", defs)])
    waiting = store.save_upload(
        engine, name="defs.xlsx", data=defs, loaded=loaded, uploader=MARKETING
    )
    assert waiting.state == "pending" and "M-1" not in set(store.definitions(engine)["kpi_id"])
    store.approve(engine, waiting.upload_id, user=MARKETING_HEAD)
    assert "M-1" in set(store.definitions(engine)["kpi_id"])
