"""Sign-in cannot be guessed at speed nor used to tie the server up: after a few failures
for a name (or many from one client) the next try is refused, saying when to try again,
before any password is checked; over-long passwords are never hashed; only a few argon2
checks run at once. New passwords that are short, common or the user's name are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, VIEWER
from tests.apps import APP, sign_in, use_data_dir
from tests.commands import cli

PASSWORD = "correct horse battery"


class Counting:
    """The password hasher, counting the checks it makes."""

    def __init__(self, real) -> None:
        self.real, self.checks = real, 0

    def verify(self, hashed: str, password: str) -> bool:
        self.checks += 1
        return self.real.verify(hashed, password)

    def hash(self, password: str) -> str:
        return self.real.hash(password)


class Clock:
    """A clock the test moves: no test waits for real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Fresh failure counts on a test clock, and a hasher that counts its checks."""
    now = Clock()
    monkeypatch.setattr(users, "BY_NAME", users.Throttle(users.NAME_FAILURES, clock=now))
    monkeypatch.setattr(users, "BY_CLIENT", users.Throttle(users.CLIENT_FAILURES, clock=now))
    monkeypatch.setattr(users, "_HASHER", Counting(users._HASHER))
    return now


@pytest.fixture
def path(tmp_path) -> Path:
    path = tmp_path / "users.json"
    users.add("张伟", PASSWORD, ADMIN, path=path)
    users.add("周总", PASSWORD, VIEWER, path=path)
    return path


@pytest.mark.slow
def test_the_sixth_wrong_password_for_a_name_is_refused_without_checking(clock, path):
    for _ in range(users.NAME_FAILURES):
        assert users.authenticate("张伟", "wrong password", path=path) is None
    assert users._HASHER.checks == users.NAME_FAILURES
    with pytest.raises(users.Throttled) as refused:
        users.authenticate("张伟", PASSWORD, path=path)  # even the right password
    assert refused.value.seconds == users.FIRST_DELAY_S and not refused.value.busy
    assert users._HASHER.checks == users.NAME_FAILURES  # nothing hashed
    assert (
        users.authenticate("周总", PASSWORD, path=path).name == "周总"
    )  # other names are not held


@pytest.mark.slow
def test_the_wait_grows_with_each_failure_and_a_success_clears_it(clock, path):
    for _ in range(users.NAME_FAILURES):
        users.authenticate("张伟", "wrong password", path=path)
    clock.now += users.FIRST_DELAY_S
    assert users.authenticate("张伟", "wrong password", path=path) is None  # allowed, failed
    with pytest.raises(users.Throttled) as refused:
        users.authenticate("张伟", PASSWORD, path=path)
    assert refused.value.seconds == 2 * users.FIRST_DELAY_S
    clock.now += 2 * users.FIRST_DELAY_S
    assert users.authenticate("张伟", PASSWORD, path=path).name == "张伟"
    for _ in range(users.NAME_FAILURES - 1):  # a fresh count after the success
        users.authenticate("张伟", "wrong password", path=path)
    assert users.authenticate("张伟", PASSWORD, path=path).name == "张伟"


@pytest.mark.slow
def test_unknown_names_are_counted_like_known_ones(clock, path):
    for _ in range(users.NAME_FAILURES):
        assert users.authenticate("nobody", PASSWORD, path=path) is None
    with pytest.raises(users.Throttled):
        users.authenticate("nobody", PASSWORD, path=path)


@pytest.mark.slow
def test_one_client_is_held_after_many_failures_over_any_names(clock, path):
    for n in range(users.CLIENT_FAILURES):
        users.authenticate(f"guess{n}", "wrong password", path=path, client="10.0.0.9")
    with pytest.raises(users.Throttled):
        users.authenticate("张伟", PASSWORD, path=path, client="10.0.0.9")
    assert users.authenticate("张伟", PASSWORD, path=path, client="10.0.0.7").name == "张伟"


def test_an_over_long_password_is_never_hashed(clock, path):
    assert users.authenticate("张伟", "x" * 1_000_000, path=path) is None
    assert users._HASHER.checks == 0


@pytest.mark.slow
def test_only_a_few_checks_run_at_once(clock, path):
    """With every slot taken, a sign-in is refused at once (try again shortly) instead of
    queueing server threads behind argon2's time and memory."""
    held = [users._VERIFYING.acquire(blocking=False) for _ in range(users.VERIFYING_AT_ONCE)]
    try:
        assert all(held)
        with pytest.raises(users.Throttled) as refused:
            users.authenticate("张伟", PASSWORD, path=path)
        assert refused.value.busy
    finally:
        for _ in held:
            users._VERIFYING.release()
    assert users._HASHER.checks == 0
    assert users.authenticate("张伟", PASSWORD, path=path).name == "张伟"


def test_the_failure_counts_keep_a_bounded_memory():
    throttle = users.Throttle(5, clock=Clock(), size=100)
    for n in range(1_000):
        throttle.failed(f"name:{n}")
    assert len(throttle._failures) <= 100


def test_the_sign_in_form_says_when_to_try_again(clock, tmp_path, monkeypatch):
    use_data_dir(monkeypatch, tmp_path)
    users.add("张伟", PASSWORD, ADMIN)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    for _ in range(users.NAME_FAILURES):
        sign_in(at, "张伟", "wrong password")
        assert any("不正确" in e.value for e in at.error)
    checks = users._HASHER.checks
    sign_in(at, "张伟", PASSWORD)
    assert not at.exception and at.title[0].value == "请登录"
    assert any(f"请在 {int(users.FIRST_DELAY_S)} 秒后重试" in e.value for e in at.error)
    assert users._HASHER.checks == checks


# --- new passwords --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short1!", "at least 10 characters"),
        ("qwertyuiop", "common passwords"),
        ("Password123", "common passwords"),  # the list is matched ignoring case
        ("  1q2w3e4r5t  ", "common passwords"),  # and surrounding spaces
        ("administrator-zhang", "common passwords"),  # the user's name
        ("y" * 300, "at most 256"),
    ],
)
def test_users_add_refuses_weak_passwords(tmp_path, password, says):
    name = "administrator-zhang"
    added = cli(
        "users", "add", name, "--role", "admin", "--password-stdin",
        env={"KPI_USERS_FILE": str(tmp_path / "users.json")}, stdin=password + "\n",
    )  # fmt: skip
    assert added.returncode == 1 and says in added.stderr
    assert "Traceback" not in added.stderr
    assert not (tmp_path / "users.json").exists()


def test_the_common_password_list_ships_with_the_package():
    common = users.common_passwords()
    assert len(common) > 1_000 and "1234567890" in common
    assert all(len(p) >= users.MIN_PASSWORD_CHARS for p in common)
    assert users.password_problem(PASSWORD) is None
