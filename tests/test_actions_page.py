"""Actions from the meeting, driven as leadership uses the app: an action added in meeting
mode for the month on the wall, the next month's Overview opening with it and whether its
KPI recovered, the Actions page listing, filtering and closing it, and the month's Excel
report holding it."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from kpi_engine import build
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, MANAGER, VIEWER
from kpi_engine.core.names import kpi_text_keys
from kpi_engine.i18n import t
from kpi_engine.reports.xlsx import report_xlsx
from tests.apps import APP, open_page, sign_in, use_data_dir
from ui import data

PASSWORD = "correct horse battery"


@pytest.fixture
def leader(tmp_path, monkeypatch) -> AppTest:
    """The sample company, an admin, a marketing manager and a leader (viewer) signed in
    through a meeting link."""
    use_data_dir(monkeypatch, tmp_path)
    users.add("张伟", PASSWORD, ADMIN)
    users.add("王磊", PASSWORD, MANAGER, ["市场部"])
    users.add("李总", PASSWORD, VIEWER)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["meeting"] = "1"
    at.run()
    sign_in(at, "李总", PASSWORD)
    assert not at.exception, [e.message for e in at.exception]
    return at


def expected_outcome(kpis, department: str, key: str, before: str, now: str) -> str:
    """What the Overview should say, from the KPI's own scored rows in both months."""

    def row(period: str):
        scored = build(kpis, period=period).kpis
        mine = scored[(scored["department"] == department).to_numpy(bool)]
        return mine[(kpi_text_keys(mine) == key).to_numpy(bool)].iloc[0]

    first, second = row(before), row(now)
    if second["status"] == "green":
        return "recovered"
    return "improved" if second["score"] > first["score"] else "not_recovered"


def test_an_action_from_the_meeting_is_followed_up_listed_closed_and_reported(leader):
    at = leader
    months = data.period_labels()["month"]
    before, latest = months[-2], months[-1]
    at.button(key="meeting_previous").click().run()
    assert at.session_state["period"] == before
    target = at.selectbox(key="action_target")
    department, key, _ = target.value  # the month's red KPIs are offered first
    assert key is not None and "（预警）" in target.format_func(target.value)
    at.text_input(key="action_what").input("走访前十大客户")
    at.text_input(key="action_owner").input("王芳")
    at.button(key="action_add").click().run()
    assert not at.exception, [e.message for e in at.exception]
    stored = data.actions()
    assert stored[
        ["period", "department", "kpi_key", "what", "owner", "created_by"]
    ].values.tolist() == [[before, department, key, "走访前十大客户", "王芳", "李总"]]
    assert stored["due"].iloc[0] == (pd.Period(before, "M") + 1).end_time.date()  # month after
    assert at.text_input(key="action_what").value == ""  # ready for the next one

    at.button(key="meeting_next").click().run()  # the next month's Overview opens with it
    assert at.session_state["period"] == latest
    outcome = expected_outcome(data.kpis(), department, key, before, latest)
    shown = " ".join(m.value for m in at.markdown)
    assert t(f"actions.outcome_{outcome}", "zh-Hans") in shown and "走访前十大客户" in shown

    open_page(at, "actions")
    assert "走访前十大客户" in at.dataframe[0].value.to_string()
    at.multiselect(key="actions_filter_state").set_value(["closed"]).run()
    assert not at.dataframe  # nothing closed yet
    at.multiselect(key="actions_filter_state").set_value([]).run()
    action_id = int(stored["id"].iloc[0])
    at.text_input(key=f"action_note_{action_id}").input("已走访八家")
    at.button(key=f"action_close_{action_id}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    closed = data.actions().iloc[0]
    assert (closed["closed_by"], closed["closing_note"]) == ("李总", "已走访八家")
    assert not [b for b in at.button if b.key == f"action_close_{action_id}"]

    workbook = report_xlsx(data.history("month"), latest, actions=data.actions())
    sheet = load_workbook(io.BytesIO(workbook))[t("actions.sheet")]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[-1]) for r in rows] == [("走访前十大客户", t(f"actions.outcome_{outcome}"))]


def test_a_manager_closes_only_their_own_departments_actions(leader):
    at = leader
    at.selectbox(key="action_target").set_value((None, None, None)).run()
    at.text_input(key="action_what").input("压缩差旅费用")
    at.text_input(key="action_owner").input("财务部")
    at.button(key="action_add").click().run()
    assert data.actions()["dept_key"].isna().all()
    at.button(key="sign_out").click().run()
    sign_in(at, "王磊", PASSWORD)
    open_page(at, "actions")
    assert "压缩差旅费用" in at.dataframe[0].value.to_string()  # listed for everyone
    action_id = int(data.actions()["id"].iloc[0])
    assert not [b for b in at.button if b.key == f"action_close_{action_id}"]
