"""Users in the app (issue 17, deliver 7): an admin adds, changes and removes users on the
Settings page with the CLI's rules and hashing (`kpi_engine.auth.users`); the last admin
can be neither removed nor demoted, in the app and on the command line; nobody else sees
the users section. Entries may carry an e-mail and a digest language."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, ANALYST, APPROVER, MANAGER, VIEWER, Forbidden
from kpi_engine.i18n import LANGUAGES, t
from tests.apps import open_page, run_app, seen, sign_in, use_data_dir
from tests.commands import cli

PASSWORD = "correct horse battery"


@pytest.fixture
def admin_app(tmp_path, monkeypatch) -> AppTest:
    """The Settings page, signed in as the only admin (a manager exists too)."""
    use_data_dir(monkeypatch, tmp_path)
    users.add("张伟", PASSWORD, ADMIN)
    users.add("王磊", PASSWORD, MANAGER, ["市场部"], email="wang@example.com")
    at = sign_in(run_app(lang="en"), "张伟", PASSWORD)
    return open_page(at, "settings")


def shown(at: AppTest) -> str:
    return "\n".join(seen(e.value) for e in [*at.error, *at.success, *at.warning])


# --- the users file -------------------------------------------------------------------------


def test_entries_carry_email_and_language_and_update_keeps_the_rest(tmp_path):
    path = tmp_path / "users.json"
    users.add("张伟", PASSWORD, ADMIN, path=path)
    users.add("王磊", PASSWORD, MANAGER, ["市场部"], email=" wang@example.com ", path=path)
    hashed = json.loads(path.read_text(encoding="utf-8"))["王磊"]["hash"]
    users.update("王磊", role=APPROVER, language="en", path=path)
    entry = json.loads(path.read_text(encoding="utf-8"))["王磊"]
    assert entry == {
        "role": APPROVER,
        "departments": ["市场部"],
        "email": "wang@example.com",
        "language": "en",
        "hash": hashed,  # no new password: the same hash, sessions stay signed in
    }
    users.update("王磊", email="", path=path)  # "" clears
    listed = {u["name"]: u for u in users.describe(path)}
    assert listed["王磊"]["email"] is None and listed["王磊"]["language"] == "en"
    assert "hash" not in listed["王磊"]


def test_update_with_a_new_password_signs_old_sessions_out(tmp_path):
    path = tmp_path / "users.json"
    users.add("张伟", PASSWORD, ADMIN, path=path)
    users.add("陈静", PASSWORD, ANALYST, path=path)
    before = users.authenticate("陈静", PASSWORD, path=path)
    users.update("陈静", password="a brand new passphrase", path=path)
    with pytest.raises(Forbidden):
        users.current_actor(before)
    assert users.authenticate("陈静", "a brand new passphrase", path=path) is not None
    assert users.authenticate("陈静", PASSWORD, path=path) is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (dict(email="wang at example.com"), "bad_email"),
        (dict(email="a@b@c"), "bad_email"),
        (dict(email="wang@exa\tmple.com"), "bad_email"),
        (dict(language="fr"), "bad_language"),
        (dict(role=MANAGER, departments=[]), "needs_department"),
        (dict(password="short"), "password_short"),
    ],
)
def test_update_refuses_what_add_refuses(tmp_path, change, code):
    path = tmp_path / "users.json"
    users.add("张伟", PASSWORD, ADMIN, path=path)
    users.add("周总", PASSWORD, VIEWER, path=path)
    before = path.read_bytes()
    with pytest.raises(users.UserRefused) as refused:
        users.update("周总", **change, path=path)
    assert refused.value.code == code
    assert path.read_bytes() == before
    with pytest.raises(KeyError):
        users.update("nobody", role=VIEWER, path=path)


def test_the_last_admin_can_be_neither_removed_nor_demoted(tmp_path):
    path = tmp_path / "users.json"
    users.add("张伟", PASSWORD, ADMIN, path=path)
    users.add("周总", PASSWORD, VIEWER, path=path)
    for change in (
        lambda: users.remove("张伟", path=path),
        lambda: users.update("张伟", role=VIEWER, path=path),
        lambda: users.add("张伟", PASSWORD, ANALYST, path=path),
    ):
        with pytest.raises(users.LastAdmin, match="last admin"):
            change()
    users.update("周总", role=ADMIN, path=path)  # a second admin: now the first may go
    users.update("张伟", role=VIEWER, path=path)
    users.remove("张伟", path=path)
    assert [u["name"] for u in users.describe(path)] == ["周总"]


def test_user_languages_are_the_catalogs_languages():
    assert set(users.USER_LANGUAGES) == set(LANGUAGES)


# --- the command line -----------------------------------------------------------------------


@pytest.mark.slow
def test_cli_adds_updates_and_lists_email_and_language(tmp_path):
    env = {"KPI_USERS_FILE": str(tmp_path / "users.json")}
    added = cli(
        "users",
        "add",
        "张伟",
        "--role",
        "admin",
        "--email",
        "zhang@example.com",
        "--password-stdin",
        env=env,
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    changed = cli("users", "update", "张伟", "--language", "zh-Hant", env=env)
    assert changed.returncode == 0, changed.stderr
    listed = json.loads(cli("users", "list", env=env).stdout)
    assert listed == [
        {
            "name": "张伟",
            "role": "admin",
            "departments": [],
            "email": "zhang@example.com",
            "language": "zh-Hant",
        }
    ]
    cli("users", "add", "周总", "--role", "viewer", "--password-stdin", env=env, stdin=PASSWORD)
    refused = cli("users", "update", "张伟", "--role", "viewer", env=env)
    assert refused.returncode == 1 and "last admin" in refused.stderr
    assert "Traceback" not in refused.stderr
    moved = cli("users", "update", "周总", "--role", "manager", env=env)
    assert moved.returncode == 1 and "needs at least one department" in moved.stderr
    new_password = cli(
        "users", "update", "周总", "--password-stdin", env=env, stdin="another long passphrase\n"
    )
    assert new_password.returncode == 0, new_password.stderr
    assert users.authenticate("周总", "another long passphrase", path=env["KPI_USERS_FILE"])


# --- the Settings page ----------------------------------------------------------------------


def fill(at: AppTest, name: str, **fields: object) -> AppTest:
    at.text_input(key="user_name").input(name).run()
    for key, value in fields.items():
        widget = {
            "user_password": at.text_input,
            "user_email": at.text_input,
            "user_role": at.selectbox,
            "user_language": at.selectbox,
            "user_departments": at.multiselect,
        }[key](key=key)
        widget.set_value(value)
    return at.button(key="user_save").click().run()


@pytest.mark.slow
def test_admin_adds_changes_and_removes_users(admin_app):
    at = fill(
        admin_app,
        "李娜",
        user_password="a long enough passphrase",
        user_role=APPROVER,
        user_departments=["财务部", "新部门"],  # a stored department and one typed
        user_email="li@example.com",
        user_language="zh-Hant",
    )
    assert not at.exception, [e.message for e in at.exception]
    assert "Added 李娜" in shown(at)
    entry = json.loads(users.users_file().read_text(encoding="utf-8"))["李娜"]
    assert entry["role"] == APPROVER and entry["departments"] == ["财务部", "新部门"]
    assert entry["email"] == "li@example.com" and entry["language"] == "zh-Hant"
    assert users.authenticate("李娜", "a long enough passphrase") is not None
    table = at.dataframe[-1].value
    assert list(table.columns) == ["User name", "Role", "Department", "E-mail", "Digest language"]
    row = table[table["User name"] == "李娜"].iloc[0]
    assert (row["Role"], row["E-mail"], row["Digest language"]) == (
        "approver",
        "li@example.com",
        "繁體中文",
    )
    assert not any("$argon2" in str(v) for v in table.to_numpy().ravel())

    # typing an existing name fills the form; changing the role keeps the password
    at.text_input(key="user_name").input("王磊").run()
    assert at.selectbox(key="user_role").value == MANAGER
    assert at.text_input(key="user_email").value == "wang@example.com"
    at.selectbox(key="user_role").set_value(VIEWER)
    at = at.button(key="user_save").click().run()
    assert "Changed 王磊" in shown(at)
    assert {u["name"]: u["role"] for u in users.describe()}["王磊"] == VIEWER
    assert users.authenticate("王磊", PASSWORD) is not None

    at.selectbox(key="user_remove_choice").set_value("李娜")
    at = at.button(key="user_remove_button").click().run()
    assert "Removed 李娜" in shown(at)
    assert "李娜" not in {u["name"] for u in users.describe()}


@pytest.mark.slow
def test_admin_page_refuses_the_last_admin_and_bad_input(admin_app):
    at = admin_app
    at.selectbox(key="user_remove_choice").set_value("张伟")
    at = at.button(key="user_remove_button").click().run()
    assert t("users.last_admin", "en", name="张伟") in shown(at)
    at = fill(at, "张伟", user_role=VIEWER)
    assert t("users.last_admin", "en", name="张伟") in shown(at)
    at = fill(at, "新人", user_role=VIEWER)  # no password for a new user
    assert t("settings.user_needs_password", "en") in shown(at)
    at = fill(at, "新人", user_password="password", user_role=VIEWER)
    assert t("users.password_short", "en", count=10) in shown(at)
    at = fill(at, "新人", user_password="a long enough passphrase", user_email="not-an-email")
    assert t("users.bad_email", "en", email="not-an-email") in shown(at)
    assert not at.exception
    assert {u["name"]: u["role"] for u in users.describe()} == {"张伟": ADMIN, "王磊": MANAGER}


@pytest.mark.slow
def test_non_admins_see_no_users_section(tmp_path, monkeypatch):
    use_data_dir(monkeypatch, tmp_path)
    users.add("张伟", PASSWORD, ADMIN)
    users.add("陈静", PASSWORD, ANALYST)
    at = open_page(sign_in(run_app(lang="en"), "陈静", PASSWORD), "settings")
    assert not at.exception
    assert t("settings.users", "en") not in [s.value for s in at.subheader]
    keys = {w.key for w in [*at.text_input, *at.button, *at.selectbox]}
    assert not keys & {"user_name", "user_save", "user_remove_choice", "user_remove_button"}
