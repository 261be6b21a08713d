"""A damaged users file fails closed and says what to do: truncated or not a JSON object,
nobody gets in (never open mode) and every page says how to fix it; an entry without a
hash or role cannot sign in and is named; the CLI refuses with a message, never a
traceback, and never writes over a damaged file. Removing the last user (which turns
sign-in off) needs --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, VIEWER
from tests.apps import APP, open_page, sign_in, use_data_dir
from tests.commands import cli

PASSWORD = "correct horse battery"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    use_data_dir(monkeypatch, tmp_path)
    return tmp_path


def two_users(path: Path) -> bytes:
    users.add("张伟", PASSWORD, ADMIN, path=path)
    users.add("周总", PASSWORD, VIEWER, path=path)
    return path.read_bytes()


DAMAGED = {
    "truncated": lambda whole: whole[: len(whole) // 2],
    "not an object": lambda whole: b'["\xe5\xbc\xa0\xe4\xbc\x9f"]',
    "not UTF-8": lambda whole: b"\xff\xfe" + whole,
    "empty": lambda whole: b"",
}


@pytest.mark.parametrize("damage", list(DAMAGED))
def test_a_damaged_users_file_lets_nobody_in_and_says_what_to_do(data_dir, damage):
    path = data_dir / users.USERS_FILE
    path.write_bytes(DAMAGED[damage](two_users(path)))
    with pytest.raises(users.UsersFileError, match="restore it from a backup"):
        users.load(path)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception
    assert any("用户文件" in e.value and "从备份恢复" in e.value for e in at.error)
    assert not at.metric and not at.warning  # no page, and not open mode
    assert not at.text_input  # no sign-in form either: it could not check anyone


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "not an object"])
def test_the_cli_refuses_a_damaged_users_file_without_writing_over_it(tmp_path, damage):
    path = tmp_path / "users.json"
    damaged = DAMAGED[damage](two_users(path))
    path.write_bytes(damaged)
    env = {"KPI_USERS_FILE": str(path), "KPI_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    for args in (
        ("users", "list"),
        ("users", "add", "李娜", "--role", "viewer", "--password-stdin"),
        ("users", "remove", "张伟"),
        ("upload", str(path), "--user", "张伟"),
    ):
        done = cli(*args, env={**env, "KPI_PASSWORD": PASSWORD}, stdin=PASSWORD + "\n")
        assert done.returncode == 1, args
        assert "users file" in done.stderr and "restore it from a backup" in done.stderr
        assert "Traceback" not in done.stderr, done.stderr
    assert path.read_bytes() == damaged


def test_an_entry_without_a_hash_cannot_sign_in_and_is_named(data_dir):
    path = data_dir / users.USERS_FILE
    two_users(path)
    entries = json.loads(path.read_text(encoding="utf-8"))
    del entries["周总"]["hash"]
    entries["刘洋"] = {"role": "superuser", "hash": entries["张伟"]["hash"]}
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(users.UsersFileError, match="no password hash") as refused:
        users.authenticate("周总", PASSWORD, path=path)
    assert refused.value.name == "周总"
    with pytest.raises(users.UsersFileError, match="no valid role"):
        users.authenticate("刘洋", PASSWORD, path=path)
    problems = {u["name"]: u.get("problem") for u in users.describe(path)}
    assert problems["周总"] == "has no password hash" and problems["张伟"] is None
    assert problems["刘洋"].startswith("has no valid role")

    at = sign_in(AppTest.from_file(str(APP), default_timeout=120).run(), "周总", PASSWORD)
    assert not at.exception
    assert any("周总" in e.value and "记录不完整" in e.value for e in at.error)
    sign_in(at, "张伟", PASSWORD)  # the other entries still work
    assert not at.exception and at.metric
    open_page(at, "settings")
    broken = [w.value for w in at.warning if "记录不完整" in w.value]
    assert (
        len(broken) == 2 and any("周总" in w for w in broken) and any("刘洋" in w for w in broken)
    )

    listed = cli("users", "list", env={"KPI_USERS_FILE": str(path)})
    assert (
        listed.returncode == 0 and "周总" in listed.stderr and "no password hash" in listed.stderr
    )


@pytest.mark.slow
def test_removing_the_last_user_needs_force(tmp_path):
    path = tmp_path / "users.json"
    env = {"KPI_USERS_FILE": str(path)}
    users.add("张伟", PASSWORD, ADMIN, path=path)
    with pytest.raises(users.LastUser):
        users.remove("张伟", path=path)
    refused = cli("users", "remove", "张伟", env=env)
    assert refused.returncode == 1 and "--force" in refused.stderr and "open mode" in refused.stderr
    assert users.load(path).keys() == {"张伟"}

    forced = cli("users", "remove", "张伟", "--force", env=env)
    assert forced.returncode == 0 and "warning" in forced.stderr and "open mode" in forced.stderr
    assert users.load(path) == {}
