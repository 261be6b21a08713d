"""Sessions follow the users file: a user removed, given a lower role or a new password
since signing in loses their powers at once. The store looks the actor up again before
every write (whatever the caller), and the app at every click, signing a removed user out;
nothing they send afterwards is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine import DEFAULTS, load_files, store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, ANALYST, MANAGER, VIEWER, Actor, Forbidden
from tests.apps import APP, open_page, sign_in, use_data_dir
from tests.workbooks import form, xlsx

PASSWORD = "correct horse battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCRIPT = Actor("script", ADMIN)  # made by code: no sign-in behind it


@pytest.fixture
def people(tmp_path, monkeypatch) -> Path:
    """A data directory of its own with two admins (the last one cannot be removed), an
    analyst and a manager."""
    use_data_dir(monkeypatch, tmp_path)
    users.add("张伟", PASSWORD, ADMIN)
    users.add("周敏", PASSWORD, ADMIN)
    users.add("陈静", PASSWORD, ANALYST)
    users.add("王磊", PASSWORD, MANAGER, ["市场部"])
    return users.users_file()


@pytest.fixture
def engine(tmp_path):
    engine = store.connect(data_dir=tmp_path)
    store.migrate(engine)
    return engine


def edit_entry(path: Path, name: str, **changes: object) -> None:
    """Change an entry by hand, as an admin editing the file would (the hash kept)."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    entries[name].update(changes)
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def sheet(department: str, actual: float = 0.95) -> bytes:
    return xlsx(
        form(
            [department, "客户", "T-1", "渠道满意度", "越高越好", 1.0, 0.9, actual],
            title=f"2026年10月 {department} KPI 考核表",
        )
    )


def upload(engine, department: str, who, actual: float = 0.95) -> store.UploadResult:
    data = sheet(department, actual)
    loaded = load_files([(f"{department}.xlsx", data)])
    return store.save_upload(
        engine, name=f"{department}.xlsx", data=data, loaded=loaded, uploader=who
    )


# --- the store ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_removed_users_write_is_refused_by_the_store(people, engine):
    admin = users.authenticate("张伟", PASSWORD)
    store.save_settings(engine, DEFAULTS.with_(cap=130.0), user=admin)
    users.remove("张伟")
    before = store.revision(engine)
    with pytest.raises(Forbidden) as refused:
        store.save_settings(engine, DEFAULTS.with_(cap=150.0), user=admin)
    assert refused.value.code == "signed_out"
    assert store.revision(engine) == before and store.load_settings(engine).cap == 130.0


@pytest.mark.slow
def test_a_demoted_users_write_is_refused_with_their_new_role(people, engine):
    admin = users.authenticate("张伟", PASSWORD)
    edit_entry(people, "张伟", role=VIEWER)
    before = store.revision(engine)
    for write in (
        lambda: store.save_settings(engine, DEFAULTS.with_(cap=150.0), user=admin),
        lambda: upload(engine, "市场部", admin),
    ):
        with pytest.raises(Forbidden) as refused:
            write()
        assert refused.value.code == "forbidden" and refused.value.params["role"] == VIEWER
    assert store.revision(engine) == before


@pytest.mark.slow
def test_a_manager_moved_to_another_department_uploads_only_the_new_one(people, engine):
    manager = users.authenticate("王磊", PASSWORD)
    edit_entry(people, "王磊", departments=["财务部"])
    with pytest.raises(Forbidden) as refused:
        upload(engine, "市场部", manager)
    assert refused.value.code == "other_departments"
    assert upload(engine, "财务部", manager).stored


@pytest.mark.slow
def test_a_new_password_signs_the_old_sessions_out(people, engine):
    analyst = users.authenticate("陈静", PASSWORD)
    users.add("陈静", "a brand new passphrase", ANALYST)  # same role, new password
    with pytest.raises(Forbidden, match="no longer signed in"):
        store.save_settings(engine, DEFAULTS.with_(cap=130.0), user=analyst)
    again = users.authenticate("陈静", "a brand new passphrase")
    store.save_settings(engine, DEFAULTS.with_(cap=130.0), user=again)
    assert store.audit_log(engine)["user"].iloc[0] == "陈静"


def test_open_modes_actor_loses_its_powers_once_a_user_exists(tmp_path, engine):
    path = tmp_path / "elsewhere.json"
    anonymous = users.open_actor("anonymous", ADMIN, path)
    store.save_settings(engine, DEFAULTS.with_(cap=130.0), user=anonymous)
    users.add("张伟", PASSWORD, ADMIN, path=path)
    with pytest.raises(Forbidden, match="no longer signed in"):
        store.save_settings(engine, DEFAULTS.with_(cap=150.0), user=anonymous)


@pytest.mark.slow
def test_a_person_signed_in_by_oidc_has_their_entrys_role_else_viewer(people, engine):
    """The provider vouches for who someone is; the users file says what they may do, now."""
    users.add("ana@example.com", PASSWORD, ANALYST)
    ana = users.oidc_actor("ana@example.com")
    assert ana.role == ANALYST and users.oidc_actor("guest@example.com").role == VIEWER
    edit_entry(people, "ana@example.com", hash=None)  # an entry that cannot be trusted
    with pytest.raises(Forbidden) as refused:
        store.save_settings(engine, DEFAULTS.with_(cap=130.0), user=ana)
    assert refused.value.code == "forbidden" and refused.value.params["role"] == VIEWER


@pytest.mark.slow
def test_an_actor_made_by_code_is_taken_as_it_is(people, engine):
    """An actor made by code (a script) has no sign-in to look up: the users file is not
    asked."""
    store.save_settings(engine, DEFAULTS.with_(cap=130.0), user=SCRIPT)
    assert store.load_settings(engine).cap == 130.0


# --- the app --------------------------------------------------------------------------------


def session() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120).run()


def test_a_removed_users_open_tab_is_signed_out_and_stores_nothing(people, tmp_path):
    at = sign_in(session(), "张伟", PASSWORD)
    open_page(at, "settings")
    assert not at.exception and not at.button[0].disabled
    users.remove("张伟")

    at.number_input(key="settings_cap").set_value(130.0)
    at.button[0].click().run()  # the form's save, sent from the tab left open
    assert not at.exception
    assert at.title[0].value == "请登录"  # signed out: the sign-in form, nothing else
    assert any("已被登出" in e.value for e in at.error)
    assert not at.number_input  # the settings page did not run
    engine = store.connect(data_dir=tmp_path)
    assert store.load_settings(engine).cap == DEFAULTS.cap
    assert "settings" not in set(store.audit_log(engine)["action"])

    sign_in(at, "张伟", PASSWORD)  # and the password no longer opens anything
    assert at.title[0].value == "请登录" and any("不正确" in e.value for e in at.error)


def test_a_demoted_admins_click_is_refused_and_the_page_follows_the_new_role(people, engine):
    """A restore is a button's callback, run before the page: the store refuses it, the
    refusal is said, and the page is drawn for the new role."""
    first = upload(engine, "市场部", SCRIPT)
    upload(engine, "市场部", SCRIPT, actual=0.85)  # the version shown
    at = sign_in(session(), "张伟", PASSWORD)
    open_page(at, "data")
    at.selectbox(key="version_department").select("市场部").run()
    at.selectbox(key="version_period").select("2026-10").run()
    at.selectbox(key="version_pick").select(first.upload_id).run()
    assert not at.button(key="restore").disabled
    edit_entry(people, "张伟", role=VIEWER)
    before = store.revision(engine)

    at.button(key="restore").click().run()
    assert not at.exception
    assert any("张伟（查看者）无权恢复版本" in e.value for e in at.error)
    assert at.button(key="restore").disabled
    assert store.revision(engine) == before
    assert any("张伟（查看者）" in c.value for c in at.sidebar.caption)
