"""A month closed after review does not change: an upload, a delete or a restore for it is
refused with a message naming who closed it, until an admin reopens it; only admins close
and reopen, and each step is in the audit log."""

from __future__ import annotations

import pytest

from kpi_engine import store
from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import ADMIN, MANAGER, Actor
from tests.store_files import monthly

ADMIN_USER = Actor("张伟", ADMIN)
MARKETING = Actor("李娜", MANAGER, ("市场部",))


def test_a_closed_month_refuses_uploads_deletes_and_restores_until_reopened(engine):
    first = monthly(month=10, actual=80).save(engine)
    monthly(month=11, actual=80).save(engine)
    store.close_period(engine, "2026-10", user=ADMIN_USER, comment="reviewed")
    assert list(store.closed_periods(engine)["period"]) == ["2026-10"]
    before = store.current_kpis(engine)

    with pytest.raises(store.Refused) as refused:
        monthly(month=10, actual=95).save(engine, uploader=MARKETING)
    assert refused.value.code == "period_closed"
    assert refused.value.params["period"] == "2026-10" and refused.value.params["user"] == "张伟"
    assert "张伟" in str(refused.value)
    for change in (store.delete, store.restore):
        with pytest.raises(store.Refused, match="closed by 张伟"):
            change(engine, first.upload_id, user=ADMIN_USER)
    assert store.current_kpis(engine).equals(before)
    assert monthly(month=11, actual=70).save(engine, uploader=MARKETING).stored  # open month

    store.reopen_period(engine, "2026-10", user=ADMIN_USER)
    assert store.closed_periods(engine).empty
    assert monthly(month=10, actual=95).save(engine, uploader=MARKETING).stored
    actions = list(store.audit_log(engine)["action"])
    assert actions.index("reopen_period") < actions.index("close_period")


def test_only_admins_close_and_closing_twice_keeps_who_closed_it(engine):
    monthly(month=10).save(engine)
    for role in (access.VIEWER, access.ANALYST, access.APPROVER):
        with pytest.raises(access.Forbidden):
            store.close_period(engine, "2026-10", user=Actor("x", role, ("市场部",)))
    store.close_period(engine, "2026-10", user=ADMIN_USER)
    with pytest.raises(store.Refused) as refused:
        store.close_period(engine, "2026-10", user=Actor("王磊", ADMIN))
    assert refused.value.params["user"] == "张伟"
    store.reopen_period(engine, "2026-10", user=ADMIN_USER)
    with pytest.raises(store.Refused) as refused:
        store.reopen_period(engine, "2026-10", user=ADMIN_USER)
    assert refused.value.code == "period_open"
