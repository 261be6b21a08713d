"""Actions agreed in the meeting: who may add and close them (leadership included, a
manager for their own departments only), what is refused, what the audit log keeps; in
the next period, whether each KPI, department or the organisation recovered, read from
real scored data; which open actions are due; and the reports that carry them."""

from __future__ import annotations

import dataclasses
import datetime
import io
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpi_engine import DEFAULTS, store
from kpi_engine.auth.roles import ADMIN, MANAGER, VIEWER, Actor, Forbidden
from kpi_engine.core import actions as core
from kpi_engine.core import insights
from kpi_engine.core.names import department_key, kpi_text_keys
from kpi_engine.core.scoring import statuses
from kpi_engine.core.settings import CONVERT
from kpi_engine.i18n import t
from kpi_engine.i18n.script import shown_scorecard
from kpi_engine.reports.pdf import report_pdf
from kpi_engine.reports.xlsx import report_xlsx
from tests.store_files import monthly

LEADER = Actor("李总", VIEWER)
MARKETING = Actor("李娜", MANAGER, ("市场部",))
ADMIN_USER = Actor("张伟", ADMIN)
DUE = datetime.date(2026, 11, 30)


def add(engine, user=LEADER, **changes) -> int:
    action = {
        "period": "2026-10",
        "department": "市场部",
        "kpi_key": "id:k1",
        "kpi": "指标1",
        "what": "走访前十大客户",
        "owner": "王芳",
        "due": DUE,
        **changes,
    }
    return store.add_action(engine, **action, user=user)


# --- the store's rules -------------------------------------------------------------------


def test_leadership_adds_an_action_kept_with_its_keys_and_in_the_audit_log(engine):
    action_id = add(engine, what="  走访前十大客户 ", owner=" 王芳")
    found = store.actions(engine)
    assert list(found.columns) == list(store.ACTION_COLUMNS)
    row = found.iloc[0]
    assert row["id"] == action_id
    assert (row["what"], row["owner"], row["due"]) == ("走访前十大客户", "王芳", DUE)
    assert row["dept_key"] == department_key("市场部")
    assert row["created_by"] == LEADER.name and pd.isna(row["closed_at"])
    logged = store.audit_log(engine).iloc[0]
    assert (logged["user"], logged["action"]) == (LEADER.name, "action_add")
    assert logged["detail"]["id"] == action_id
    assert store.revision(engine, store.ACTION_ACTIONS) > 0
    assert store.revision(engine, store.DATA_ACTIONS) == 0  # KPI caches are not dropped


def test_an_organisation_action_and_a_department_action_have_no_kpi(engine):
    add(engine, department=None, kpi_key=None, kpi=None)
    add(engine, kpi_key=None, kpi="ignored without a KPI key")
    found = store.actions(engine).sort_values("id")
    assert found["dept_key"].isna().tolist() == [True, False]
    assert found["kpi_key"].isna().all() and found["kpi"].isna().all()


def test_a_manager_records_actions_for_their_own_departments_only(engine):
    add(engine, user=MARKETING, department="市場部")  # another script of the same department
    with pytest.raises(Forbidden) as other:
        add(engine, user=MARKETING, department="生产部")
    assert other.value.code == "action_department"
    with pytest.raises(Forbidden):
        add(engine, user=MARKETING, department=None, kpi_key=None)
    assert len(store.actions(engine)) == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"what": "   "}, "action_empty"),
        ({"owner": ""}, "action_empty"),
        ({"what": "很" * (core.MAX_WHAT + 1)}, "action_too_long"),
        ({"owner": "王\u202e芳"}, "action_unsafe"),
        ({"department": None}, "action_kpi_without_department"),
        ({"period": "last month"}, "action_period"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(engine, changes, code):
    with pytest.raises(store.Refused) as refused:
        add(engine, **changes)
    assert refused.value.code == code
    assert store.actions(engine).empty
    assert store.audit_log(engine).empty


def test_closing_keeps_who_and_the_note_and_a_second_close_names_the_first(engine):
    first, second = add(engine), add(engine, what="复盘投诉流程")
    store.close_action(engine, first, user=MARKETING, note=" 已走访 ")
    closed = store.actions(engine).set_index("id").loc[first]
    assert (closed["closed_by"], closed["closing_note"]) == (MARKETING.name, "已走访")
    assert store.audit_log(engine).iloc[0]["action"] == "action_close"
    with pytest.raises(store.Refused) as again:
        store.close_action(engine, first, user=ADMIN_USER)
    assert again.value.code == "already_closed"
    assert again.value.params["user"] == MARKETING.name
    assert store.actions(engine, open_only=True)["id"].tolist() == [second]
    assert store.actions(engine, period="2026-09").empty


def test_a_manager_may_not_close_another_departments_action(engine):
    theirs = add(engine, department="生产部")
    with pytest.raises(Forbidden):
        store.close_action(engine, theirs, user=MARKETING)
    assert store.actions(engine, open_only=True)["id"].tolist() == [theirs]


def test_a_closed_period_still_takes_its_meetings_actions(engine):
    store.close_period(engine, "2026-10", user=ADMIN_USER)
    add(engine)
    assert len(store.actions(engine)) == 1


# --- outcomes in the next period, from scored data ----------------------------------------


@pytest.fixture(scope="module")
def history():
    """Four departments scored in September and October: 市场部 red then on target,
    生产部 red then better though not green, 财务部 worse, 人力部 without October."""
    forms = [
        monthly("市场部", 9, 2, 50),
        monthly("市场部", 10, 2, 100),
        monthly("生产部", 9, 2, 40),
        monthly("生产部", 10, 2, 70),
        monthly("财务部", 9, 2, 85),
        monthly("财务部", 10, 2, 60),
        monthly("人力部", 9, 2, 50),
    ]
    rows = pd.concat([f.loaded.kpis for f in forms], ignore_index=True)
    return insights.history(rows, ["2026-09", "2026-10"])


def kpi_key(history, department: str) -> str:
    rows = history.kpis[history.kpis["department"] == department]
    return kpi_text_keys(rows).iloc[0]


def actions_on(history, targets) -> pd.DataFrame:
    """Actions of the September meeting on (department, KPI key) targets."""
    return pd.DataFrame(
        {
            "id": range(1, len(targets) + 1),
            "period": "2026-09",
            "department": [d for d, _ in targets],
            "dept_key": [None if d is None else department_key(d) for d, _ in targets],
            "kpi_key": [k for _, k in targets],
            "due": DUE,
            "closed_at": None,
        }
    )


def score(frame: pd.DataFrame, period: str, department: str | None = None) -> float:
    rows = frame[frame["period"] == period]
    if department is not None:
        rows = rows[rows["department"] == department]
    return float(rows["score"].iloc[0])


def test_each_outcome_from_the_scores_of_the_next_period(history):
    departments = history.departments
    # The data say what each case is, so the test checks the rule, not made-up numbers.
    assert statuses(pd.Series([score(departments, "2026-10", "市场部")]))[0] == "green"
    assert score(departments, "2026-10", "生产部") > score(departments, "2026-09", "生产部")
    assert statuses(pd.Series([score(departments, "2026-10", "生产部")]))[0] != "green"
    assert score(departments, "2026-10", "财务部") < score(departments, "2026-09", "财务部")
    targets = [
        ("市场部", kpi_key(history, "市场部")),
        ("生产部", kpi_key(history, "生产部")),
        ("财务部", kpi_key(history, "财务部")),
        ("人力部", kpi_key(history, "人力部")),
        ("市场部", None),
        ("生产部", None),
        ("财务部", None),
        ("人力部", None),
    ]
    found = core.outcomes(actions_on(history, targets), history, DEFAULTS, "2026-10")
    assert (
        found["outcome"].tolist()
        == [
            "recovered",
            "improved",
            "not_recovered",
            "no_data",
        ]
        * 2
    )


def test_the_organisations_outcome_follows_its_own_score(history):
    org = history.organization
    before, now = score(org, "2026-09"), score(org, "2026-10")
    status = statuses(pd.Series([now]))[0]
    expected = "recovered" if status == "green" else "improved" if now > before else "not_recovered"
    found = core.outcomes(actions_on(history, [(None, None)]), history, DEFAULTS, "2026-10")
    assert found["outcome"].tolist() == [expected]
    assert expected == "improved"  # red in September, amber in October, in this company


def test_outcomes_match_names_shown_in_the_other_script(history):
    shown = shown_scorecard(history, "zh-Hant", CONVERT)
    targets = [("市场部", kpi_key(history, "市场部")), ("财务部", None)]
    found = core.outcomes(actions_on(history, targets), shown, DEFAULTS, "2026-10")
    assert found["outcome"].tolist() == ["recovered", "not_recovered"]


def test_stricter_bands_make_a_recovery_an_improvement(history):
    strict = dataclasses.replace(DEFAULTS, green_at=119.0, amber_at=100.0)
    targets = [("市场部", None)]
    found = core.outcomes(actions_on(history, targets), history, strict, "2026-10")
    assert found["outcome"].tolist() == ["improved"]


def test_due_actions_are_the_open_ones_due_by_the_day_longest_overdue_first():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "due": [
                datetime.date(2026, 11, 30),
                datetime.date(2026, 11, 1),
                datetime.date(2026, 12, 1),
                datetime.date(2026, 10, 15),
                datetime.date(2026, 11, 15),
            ],
            "closed_at": [None, None, None, None, pd.Timestamp("2026-11-10", tz="UTC")],
        }
    )
    found = core.due_actions(frame, datetime.date(2026, 11, 30))
    assert found["id"].tolist() == [4, 2, 1]
    assert list(found.columns) == list(frame.columns)
    assert core.due_actions(frame, datetime.date(2026, 10, 1)).empty


# --- the reports carry them --------------------------------------------------------------


def test_the_workbook_and_the_pdf_carry_the_periods_actions_and_the_last_outcomes(engine, history):
    add(engine, period="2026-09", kpi_key=kpi_key(history, "市场部"), what="走访客户")
    add(engine, period="2026-10", department="财务部", kpi_key=None, what="压缩费用")
    add(engine, period="2026-08", what="早已过去的行动")
    stored = store.actions(engine)
    book = load_workbook(io.BytesIO(report_xlsx(history, "2026-10", actions=stored)))
    sheet = book[t("actions.sheet")]
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert rows[0][-1] == t("actions.outcome")
    listed = {r[3]: r[-1] for r in rows[1:]}
    assert listed == {"走访客户": t("actions.outcome_recovered"), "压缩费用": "—"}
    assert (
        t("actions.sheet")
        not in load_workbook(io.BytesIO(report_xlsx(history, "2026-10"))).sheetnames
    )  # without actions, the workbook is as before
    plain = report_pdf(history, "2026-10", lang="en", actions=stored)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=plain, capture_output=True, check=True
    ).stdout.decode()
    assert "走访客户" in text and "压缩费用" in text and "Recovered" in text
    mine = report_xlsx(history, "2026-10", department="财务部", actions=stored)
    only = load_workbook(io.BytesIO(mine))[t("actions.sheet")]
    assert [r[3] for r in only.iter_rows(min_row=2, values_only=True)] == ["压缩费用"]
