"""Roles and sign-in: a manager cannot write another department's data by any path (the
page, the CLI, a direct store call); each role changes only what it may; every change is
in the audit log with the user; the users file keeps hashes, never passwords."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine import DEFAULTS, load_files, store
from kpi_engine.auth import roles as access
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, ANALYST, MANAGER, VIEWER, Actor, Forbidden
from kpi_engine.core.whatif import Scenario
from tests import apps
from tests.apps import APP, open_page, seen
from tests.commands import cli
from tests.store_files import fresh_store
from tests.workbooks import form, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "correct horse battery"
MARKETING = Actor("王磊", MANAGER, ("市场部",))


def sheet(department: str, actual: float = 0.9) -> bytes:
    return xlsx(
        form(
            [department, "客户", "T-1", "渠道满意度", "越高越好", 1.0, 0.9, actual],
            title=f"2026年10月 {department} KPI 考核表",
        )
    )


def mixed() -> bytes:
    """One file with rows of the manager's own department and of another one."""
    return xlsx(
        form(
            ["市场部", "客户", "T-1", "渠道满意度", "越高越好", 1.0, 0.9, 0.95],
            ["财务部", "财务", "T-2", "回款及时率", "越高越好", 1.0, 0.9, 0.5],
            title="2026年10月 KPI 考核表",
        )
    )


@pytest.fixture
def engine(tmp_path):
    return fresh_store(tmp_path)


def save(engine, name: str, data: bytes, actor: Actor) -> store.UploadResult:
    loaded = load_files([(name, data)])
    return store.save_upload(engine, name=name, data=data, loaded=loaded, uploader=actor)


# --- the rules ------------------------------------------------------------------------------


def test_each_role_may_do_only_its_part():
    may = {
        role: {a for a in access.ALLOWED[ADMIN] if Actor("x", role).may(a)} for role in access.ROLES
    }
    assert may[VIEWER] == {access.ACTION}  # leadership records what the meeting agreed
    assert may[MANAGER] == {access.UPLOAD, access.NOTE, access.ACTION}
    assert may[access.APPROVER] == {access.UPLOAD, access.NOTE, access.ACTION, access.APPROVE}
    assert may[ANALYST] == {access.SETTINGS, access.SCENARIO, access.ACTION}
    assert may[ADMIN] == {
        *("upload", "delete", "restore", "settings", "scenario", "users"),
        *("note", "approve", "close", "action"),
    }
    with pytest.raises(ValueError, match="unknown role"):
        Actor("x", "superuser")


def test_a_managers_departments_match_as_departments_do_everywhere():
    finance = Actor("李娜", MANAGER, ("財務部",))  # written in traditional characters
    assert finance.owns("财务部") and finance.owns("财务") and not finance.owns("市场部")


# --- the store refuses, whatever the caller -------------------------------------------------


def test_a_manager_cannot_store_another_departments_rows(engine):
    before = store.revision(engine)
    with pytest.raises(Forbidden) as refused:
        save(engine, "mixed.xlsx", mixed(), MARKETING)
    assert refused.value.code == "other_departments"
    assert refused.value.params["departments"] == "财务部"
    with pytest.raises(Forbidden):
        save(engine, "finance.xlsx", sheet("财务部"), MARKETING)
    assert store.revision(engine) == before and store.current_kpis(engine).empty

    stored = save(engine, "marketing.xlsx", sheet("市场部"), MARKETING)
    assert stored.stored
    assert store.history(engine)["uploader"].tolist() == ["王磊"]


@pytest.mark.parametrize(
    ("role", "call"),
    [
        (VIEWER, lambda e, a, i: save(e, "m.xlsx", sheet("市场部"), a)),
        (ANALYST, lambda e, a, i: save(e, "m.xlsx", sheet("市场部"), a)),
        (MANAGER, lambda e, a, i: store.delete(e, i, user=a)),
        (ANALYST, lambda e, a, i: store.restore(e, i, user=a)),
        (MANAGER, lambda e, a, i: store.undo_delete(e, i, user=a)),
        (MANAGER, lambda e, a, i: store.save_settings(e, DEFAULTS.with_(cap=150.0), user=a)),
        (VIEWER, lambda e, a, i: store.save_scenario(e, Scenario(name="x"), user=a)),
        (MANAGER, lambda e, a, i: store.delete_scenario(e, "基线", user=a)),
    ],
)
def test_the_store_refuses_what_a_role_may_not_do(engine, role, call):
    upload = save(engine, "m.xlsx", sheet("市场部"), Actor("admin", ADMIN))
    store.save_scenario(engine, Scenario(name="基线"), user=Actor("ana", ANALYST))
    before = store.revision(engine)
    with pytest.raises(Forbidden):
        call(engine, Actor("someone", role, ("市场部",)), upload.upload_id)
    assert store.revision(engine) == before


def test_every_change_is_in_the_audit_log_with_its_user(engine):
    upload = save(engine, "m.xlsx", sheet("市场部"), MARKETING)
    analyst, admin = Actor("陈静", ANALYST), Actor("张伟", ADMIN)
    store.save_settings(engine, DEFAULTS.with_(cap=150.0), user=analyst)
    store.save_scenario(engine, Scenario(name="客户优先"), user=analyst)
    store.delete(engine, upload.upload_id, user=admin)
    store.undo_delete(engine, upload.upload_id, user=admin)
    log = store.audit_log(engine)
    assert list(zip(log["user"], log["action"], strict=True))[::-1] == [
        ("王磊", "upload"),
        ("陈静", "settings"),
        ("陈静", "scenario"),
        ("张伟", "delete"),
        ("张伟", "undo_delete"),
    ]


# --- the users file -------------------------------------------------------------------------


@pytest.mark.slow
def test_the_users_file_keeps_hashes_and_signs_in_by_password(tmp_path):
    path = tmp_path / "users.json"
    users.add("王磊", PASSWORD, MANAGER, ["市场部"], path=path)
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2id$" in text
    assert users.authenticate("王磊", PASSWORD, path=path) == MARKETING
    assert users.authenticate("王磊", "wrong password", path=path) is None
    assert users.authenticate("nobody", PASSWORD, path=path) is None
    with pytest.raises(ValueError, match="department"):
        users.add("李娜", PASSWORD, MANAGER, [], path=path)
    with pytest.raises(ValueError, match="10 characters"):
        users.add("李娜", "short", ANALYST, path=path)
    assert [u["name"] for u in users.describe(path)] == ["王磊"]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


# --- the CLI ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_manager_cannot_write_another_department_through_the_cli(tmp_path):
    env = {"KPI_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    added = cli(
        "users", "add", "王磊", "--role", "manager", "--department", "市场部",
        "--password-stdin", env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    (tmp_path / "finance.xlsx").write_bytes(sheet("财务部"))
    (tmp_path / "marketing.xlsx").write_bytes(sheet("市场部"))
    signed = {**env, "KPI_PASSWORD": PASSWORD}

    refused = cli("upload", str(tmp_path / "finance.xlsx"), "--user", "王磊", env=signed)
    assert refused.returncode == 1
    assert json.loads(refused.stdout)[0]["status"] == "forbidden"
    engine = store.connect(data_dir=tmp_path)
    assert "财务部" not in set(store.current_kpis(engine)["department"])

    wrong = cli("upload", str(tmp_path / "marketing.xlsx"), "--user", "王磊",
                env={**env, "KPI_PASSWORD": "not it"})  # fmt: skip
    assert wrong.returncode == 1 and "wrong password" in wrong.stderr

    stored = cli("upload", str(tmp_path / "marketing.xlsx"), "--user", "王磊", env=signed)
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert json.loads(stored.stdout)[0]["status"] == "stored"
    assert store.history(engine)["uploader"].iloc[0] == "王磊"


# --- the app ----------------------------------------------------------------------------------


def app_with_users(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    """The app on its own data directory whose users file has a manager, an analyst, a viewer."""
    apps.use_data_dir(monkeypatch, tmp_path)
    users.add("王磊", PASSWORD, MANAGER, ["市场部"])
    users.add("陈静", PASSWORD, ANALYST)
    users.add("周总", PASSWORD, VIEWER)
    return AppTest.from_file(str(APP), default_timeout=120).run()


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    return apps.sign_in(at, name, password)


def test_with_users_nothing_shows_before_sign_in(monkeypatch, tmp_path):
    at = app_with_users(monkeypatch, tmp_path)
    assert at.title[0].value == "请登录" and not at.metric
    sign_in(at, "王磊", "wrong password")
    assert any("不正确" in e.value for e in at.error) and not at.metric
    sign_in(at, "周总")
    assert not at.exception and at.metric  # the overview
    assert any("周总（查看者）" in c.value for c in at.sidebar.caption)


def test_a_manager_on_the_data_page_cannot_store_another_department(monkeypatch, tmp_path):
    at = sign_in(app_with_users(monkeypatch, tmp_path), "王磊")
    open_page(at, "data")
    before = store.revision(store.connect(data_dir=tmp_path))
    at.file_uploader(key="uploader").upload("mixed.xlsx", mixed(), XLSX).run()
    assert not at.exception
    assert any("财务部" in seen(e.value) and "未保存任何数据" in e.value for e in at.error)
    assert store.revision(store.connect(data_dir=tmp_path)) == before
    assert at.button(key="delete").disabled  # deletes are for admins

    at.file_uploader(key="uploader").upload("市场部.xlsx", sheet("市场部"), XLSX).run()
    assert any("市场部 2026-10 第 2 版" in seen(s.value) for s in at.success)  # v1: the sample
    history = store.history(store.connect(data_dir=tmp_path))
    assert history[["name", "uploader"]].iloc[0].tolist() == ["市场部.xlsx", "王磊"]


def test_viewers_and_analysts_see_what_they_may_change(monkeypatch, tmp_path):
    at = sign_in(app_with_users(monkeypatch, tmp_path), "周总")
    open_page(at, "data")
    assert not [u for u in at.get("file_uploader")]
    assert any("只能查看" in i.value for i in at.info)
    open_page(at, "settings")
    assert at.button[0].disabled  # the form's save button

    analyst = sign_in(AppTest.from_file(str(APP), default_timeout=120).run(), "陈静")
    open_page(analyst, "settings")
    analyst.number_input(key="settings_cap").set_value(130.0)
    analyst.button[0].click().run()
    assert store.load_settings(store.connect(data_dir=tmp_path)).cap == 130.0
    assert store.settings_history(store.connect(data_dir=tmp_path))["changed_by"].iloc[0] == "陈静"
