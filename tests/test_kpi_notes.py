"""Notes on KPIs (原因分析 / 改进措施, issue 17): kept with their author and time, versioned
like uploads; written only by those who may, on their own departments, for an open month;
read from an upload's 说明 / 改进措施 columns and stored with it; and the rule of "a note is
required": red KPIs without one."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from kpi_engine import load_files, store
from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import ADMIN, MANAGER, VIEWER, Actor
from kpi_engine.core import names
from kpi_engine.core.notes import MAX_NOTE_CHARS, unexplained, with_notes
from kpi_engine.core.scoring import score
from kpi_engine.core.settings import DEFAULTS
from tests.store_files import PERSPECTIVES, Upload, monthly
from tests.workbooks import HEADER, form, xlsx

ADMIN_USER = Actor("张伟", ADMIN)
MARKETING = Actor("李娜", MANAGER, ("市场部",))
FINANCE = Actor("王芳", MANAGER, ("财务部",))
K1 = "id:k1"  # names.kpi_text_keys of K-1


def note(engine, cause="市场需求下滑", measure="加大渠道投放", user=MARKETING, period="2026-10"):
    return store.save_note(
        engine,
        department="市场部",
        period=period,
        kpi_key=K1,
        kpi="K-1",
        cause=cause,
        measure=measure,
        user=user,
    )


def test_each_save_is_a_version_and_the_newest_is_shown(engine):
    monthly(month=10).save(engine)
    first = note(engine)
    assert note(engine) == first  # the same text again stores nothing
    second = note(engine, cause="市场需求下滑\n竞品降价", measure="  加大渠道投放  ")
    assert second != first
    shown = store.notes(engine)
    assert len(shown) == 1
    row = shown.iloc[0]
    assert (row["cause"], row["measure"], row["version"]) == (
        "市场需求下滑\n竞品降价",
        "加大渠道投放",
        2,
    )
    assert (row["author"], row["kpi_key"], row["dept_key"]) == ("李娜", K1, "市场")
    assert str(row["written_at"].tz) == "UTC"
    history = store.note_history(engine, "市場部", "2026-10", K1)  # any spelling of it
    assert list(history["version"]) == [1, 2]
    assert history["cause"].iloc[0] == "市场需求下滑"
    assert list(store.audit_log(engine)["action"]).count("note") == 2

    note(engine, cause="", measure=" ")  # cleared: no note shown, the versions kept
    assert store.notes(engine).empty
    assert len(store.note_history(engine, "市场部", "2026-10", K1)) == 3
    assert store.notes(engine, periods=["2026-11"]).empty


def test_only_note_writers_on_their_own_departments(engine):
    monthly(month=10).save(engine)
    with pytest.raises(access.Forbidden) as refused:
        note(engine, user=FINANCE)  # a manager of another department
    assert refused.value.code == "not_own_department"
    assert refused.value.params["department"] == "市场部"
    for role in (VIEWER, access.ANALYST):
        with pytest.raises(access.Forbidden):
            note(engine, user=Actor("x", role))
    assert store.notes(engine).empty
    note(engine, user=Actor("陈静", access.APPROVER, ("市场",)))  # 市场 is 市场部
    note(engine, cause="管理员补充", user=ADMIN_USER)
    assert list(store.note_history(engine, "市场部", "2026-10", K1)["author"]) == ["陈静", "张伟"]


def test_a_closed_month_refuses_notes(engine):
    monthly(month=10).save(engine)
    store.close_period(engine, "2026-10", user=ADMIN_USER)
    with pytest.raises(store.Refused) as refused:
        note(engine)
    assert refused.value.code == "period_closed" and refused.value.params["user"] == "张伟"
    assert store.notes(engine).empty
    store.reopen_period(engine, "2026-10", user=ADMIN_USER)
    note(engine)
    assert len(store.notes(engine)) == 1


@pytest.mark.parametrize(
    ("cause", "code"),
    [
        ("原因\u202e反转", "note_unsafe"),
        ("零宽\u200b空格", "note_unsafe"),
        ("长" * 2001, "note_too_long"),
    ],
)
def test_unsafe_or_overlong_text_is_refused(engine, cause, code):
    with pytest.raises(store.Refused) as refused:
        note(engine, cause=cause)
    assert refused.value.code == code
    assert store.notes(engine).empty
    note(engine, cause="长" * MAX_NOTE_CHARS + "\n\t")  # at the limit, line breaks and tabs: fine


def _with_notes_columns(cause_header: str = "原因分析", measure_header: str = "改进措施") -> Upload:
    rows = [
        ["市场部", PERSPECTIVES[0], "K-1", "指标1", "越高越好", 1, 100, 40, "需求下滑", "加大投放"],
        ["市场部", PERSPECTIVES[1], "K-2", "指标2", "越高越好", 1, 100, 98, "无", None],
        ["市场部", PERSPECTIVES[2], "K-3", "指标3", "越高越好", 1, 100, 50, None, "流程再造"],
    ]
    sheet = form(*rows)
    sheet[2] = [*HEADER, cause_header, measure_header]
    data = xlsx(sheet)
    loaded = load_files([("市场部_2026-10.xlsx", data)])
    assert loaded.errors.empty and loaded.rows_accepted == 3
    return Upload("市场部_2026-10.xlsx", data, loaded)


@pytest.mark.parametrize(
    ("cause_header", "measure_header"),
    [
        ("原因分析", "改进措施"),
        ("说明", "整改措施"),
        ("未達標原因", "Action plan"),
        ("Explanation", "Improvement"),
    ],
)
def test_an_uploads_note_columns_are_read_and_stored_with_its_uploader(
    engine, cause_header, measure_header
):
    upload = _with_notes_columns(cause_header, measure_header)
    kpis = upload.loaded.kpis
    assert list(kpis["cause"]) == ["需求下滑", "", ""]  # 无 is no note
    assert list(kpis["measure"]) == ["加大投放", "", "流程再造"]
    assert not kpis["extras"].map(lambda e: bool(e)).any()  # read, not kept as extras
    assert upload.loaded.warnings.empty

    result = upload.save(engine, uploader=MARKETING)
    shown = store.notes(engine).set_index("kpi_key")
    assert list(shown.index) == ["id:k1", "id:k3"]
    assert set(shown["author"]) == {"李娜"} and set(shown["upload_id"]) == {result.upload_id}
    assert shown.loc["id:k3", "cause"] == "" and shown.loc["id:k3", "measure"] == "流程再造"
    assert "cause" not in store.current_kpis(engine).columns  # notes live in their own table

    note(engine, cause="页面上改写")  # the Scorecard's edit is the newest version
    assert store.notes(engine).set_index("kpi_key").loc["id:k1", "version"] == 2


def test_a_note_column_does_not_change_note_rows_or_other_extras():
    rows = [
        [*HEADER, "说明", "备注"],
        ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90, "原因", "x"],
    ]
    loaded = load_files(
        [("m.xlsx", xlsx([["2026年10月 市场部 KPI 考核表"], *rows, ["说明：口径"]]))]
    )
    assert loaded.kpis.loc[0, "cause"] == "原因" and loaded.kpis.loc[0, "extras"] == {"备注": "x"}
    assert list(loaded.warnings["code"]) == ["note_row"]  # SPEC §2: the note row, skipped
    plain = load_files(
        [("m.xlsx", xlsx(form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90])))]
    )
    assert "cause" not in plain.kpis.columns  # no note column, no note columns


def test_red_kpis_without_a_note_are_unexplained():
    kpis = _with_notes_columns().loaded.kpis.drop(columns=["cause", "measure"])
    scored = score(kpis, settings=DEFAULTS)
    assert list(scored["status"]) == ["red", "amber", "red"]
    nothing = pd.DataFrame(
        columns=["dept_key", "period", "kpi_key", "cause", "measure", "author", "written_at"]
    )
    found = unexplained(scored, nothing, DEFAULTS)
    assert list(found.columns) == ["department", "period", "kpi", "kpi_key"]
    assert list(found["kpi_key"]) == ["id:k1", "id:k3"] and list(found["kpi"]) == ["指标1", "指标3"]

    one = pd.DataFrame(
        {
            "dept_key": [names.department_key("市场部")],
            "period": ["2026-10"],
            "kpi_key": ["id:k3"],
            "cause": [""],
            "measure": ["流程再造"],  # a measure alone explains it
            "author": ["李娜"],
            "written_at": [pd.Timestamp("2026-11-03 02:00", tz="UTC")],
        }
    )
    assert list(unexplained(scored, one, DEFAULTS)["kpi_key"]) == ["id:k1"]
    lenient = replace(DEFAULTS, amber_at=30.0, green_at=35.0)
    assert unexplained(scored, one, lenient).empty  # the bands decide what is red
    shown = with_notes(scored, one)
    assert list(shown["measure"]) == ["", "", "流程再造"] and shown["note_author"].iloc[2] == "李娜"
    assert shown["note_author"].iloc[0] is None
