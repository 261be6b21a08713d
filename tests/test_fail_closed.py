"""Fail closed, and say so: the store's directory and file are the app's user's alone; a
data directory that cannot be written, a full disk, a damaged database or an unreachable
PostgreSQL is a message naming what to do (never a traceback with paths or SQL); open
mode is a warning on every page; start.sh listens on localhost and gives Streamlit the
app's upload limit; Streamlit shows users no developer menu and no error details."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kpi_engine import DEFAULT_LIMITS, DEFAULTS, load_files, store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.store import failures
from tests.apps import APP, PAGES, open_page, sign_in, start, use_data_dir
from tests.workbooks import form, xlsx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A data directory not created yet, named by KPI_DATA_DIR."""
    directory = tmp_path / "data"
    use_data_dir(monkeypatch, directory)
    return directory


def session() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120).run()


def said(at: AppTest, *words: str) -> bool:
    """No traceback, and an error naming the failure (the page stopped there)."""
    assert not at.exception, [e.value for e in at.exception]
    return any(all(w in e.value for w in words) for e in at.error)


# --- who can read the store ------------------------------------------------------------------


@pytest.mark.slow
def test_the_data_directory_and_the_store_are_the_apps_users_alone(data_dir):
    engine = store.start(sample=lambda: ([], load_files([])))
    with engine.connect() as conn:  # WAL and shared-memory files exist while connected
        conn.exec_driver_sql("SELECT 1")
        created = {p.name: mode(p) for p in data_dir.iterdir()}
    users.add("张伟", PASSWORD, ADMIN)
    assert mode(data_dir) == 0o700
    assert created == {n: 0o600 for n in created} and store.SQLITE_FILE in created
    assert mode(data_dir / users.USERS_FILE) == 0o600


def test_an_existing_store_file_keeps_its_mode(tmp_path):
    """Only what the app creates is made private: an operator's choice on an existing
    file is left alone."""
    (tmp_path / store.SQLITE_FILE).touch(mode=0o640)
    store.start(data_dir=tmp_path)
    assert mode(tmp_path / store.SQLITE_FILE) == 0o640


# --- failures are said, with what to do ------------------------------------------------------


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """`directory` cannot be written by this process: its mode for a normal user; root
    ignores modes, so there the immutable attribute (else the test is skipped)."""
    if os.geteuid() != 0:
        directory.chmod(0o500)
        try:
            yield
        finally:
            directory.chmod(0o700)
        return
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode
    ):
        pytest.skip("root here cannot make a directory read-only (no chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_a_read_only_data_directory_is_said_with_what_to_do(data_dir):
    data_dir.mkdir()
    with read_only(data_dir):
        at = session()
        assert said(at, "无法写入数据目录", "KPI_DATA_DIR")
        assert not at.metric


def test_a_store_in_a_directory_made_read_only_later_is_named(tmp_path):
    store.start(data_dir=tmp_path).dispose()
    with read_only(tmp_path), pytest.raises(sa.exc.OperationalError) as error:
        store.revision(store.start(data_dir=tmp_path))
    assert failures.failure(error.value) == failures.READ_ONLY


def test_a_damaged_database_file_is_said_with_what_to_do(data_dir):
    data_dir.mkdir()
    (data_dir / store.SQLITE_FILE).write_bytes(b"not a database, but a page of text\n" * 200)
    at = session()
    assert said(at, "数据库文件已损坏", "kpi.sqlite3", "备份")
    assert not any("SELECT" in e.value or str(data_dir) in e.value for e in at.error)


def test_an_unreachable_postgresql_is_said_with_what_to_do(data_dir, monkeypatch):
    with socket.socket() as probe:  # a local port nobody listens on: refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(
        store.DATABASE_URL_ENV, f"postgresql+psycopg://kpi:secret@127.0.0.1:{port}/kpi"
    )
    at = session()
    assert said(at, "PostgreSQL", "DATABASE_URL")
    assert not any("secret" in e.value for e in at.error)


def sheet(rows: int) -> bytes:
    return xlsx(
        form(
            *(
                ["市场部", "客户", f"T-{n}", f"渠道满意度{n}", "越高越好", 1.0, 0.9, 0.95]
                for n in range(rows)
            ),
            title="2026年10月 市场部 KPI 考核表",
        )
    )


@contextlib.contextmanager
def full(path: Path) -> Iterator[None]:
    """Every new connection to the SQLite file at `path` may not grow it by one page: what
    SQLite answers on a full disk (SQLITE_FULL)."""

    def _no_room(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        if Path(dbapi_connection.execute("PRAGMA database_list").fetchone()[2]) == path:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    sa.event.listen(sa.pool.Pool, "connect", _no_room)
    try:
        yield
    finally:
        sa.event.remove(sa.pool.Pool, "connect", _no_room)


@pytest.mark.slow
def test_a_full_disk_is_named(tmp_path):
    store.start(data_dir=tmp_path).dispose()
    data = sheet(300)
    loaded = load_files([("m.xlsx", data)])
    with full(tmp_path / store.SQLITE_FILE):
        engine = store.connect(data_dir=tmp_path)
        with pytest.raises(sa.exc.OperationalError) as error:
            store.save_upload(
                engine, name="m.xlsx", data=data, loaded=loaded, uploader=Actor("script", ADMIN)
            )
    assert failures.failure(error.value) == failures.DISK_FULL
    assert store.history(store.connect(data_dir=tmp_path)).empty  # nothing half-stored


def test_a_full_disk_during_an_upload_is_said_on_the_page(data_dir):
    at = session()  # seeds the sample company
    open_page(at, "data")
    from ui import data as ui_data

    ui_data._engine.clear()  # the next run connects anew, to a disk with no room
    with full((data_dir / store.SQLITE_FILE).resolve()):
        at.file_uploader(key="uploader").upload("市场部.xlsx", sheet(300), XLSX).run()
    assert said(at, "磁盘已满", "KPI_DATA_DIR")
    assert not any("版" in s.value for s in at.success)  # no version made
    assert "市场部.xlsx" not in set(store.history(store.connect(data_dir=data_dir))["name"])


def test_other_errors_are_not_mistaken_for_failures():
    assert failures.failure(ValueError("a bug")) is None
    assert failures.failure(KeyError("x")) is None
    assert failures.failure(FileNotFoundError(2, "no such file")) is None


# --- open mode is said on every page ---------------------------------------------------------


def test_open_mode_is_a_warning_on_every_page(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    for page in PAGES:
        open_page(at, page)
        assert not at.exception
        banner = [w.value for w in at.warning if "任何能打开此页面的人" in w.value]
        assert len(banner) == 1 and "users add" in banner[0], page


def test_signed_in_pages_have_no_open_mode_warning(data_dir):
    users.add("张伟", PASSWORD, ADMIN)
    at = sign_in(session(), "张伟", PASSWORD)
    assert at.metric and not any("任何能打开此页面的人" in w.value for w in at.warning)


# --- Streamlit's own settings ----------------------------------------------------------------


def test_streamlit_shows_users_no_developer_menu_and_no_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["client"]["disableDataExport"] is True  # no formula-prone CSV download
    assert config["client"]["showErrorDetails"] == "none"  # "false" still shows the trace
    assert config["server"]["maxUploadSize"] == DEFAULT_LIMITS.max_file_mb


def test_the_upload_widget_follows_the_apps_file_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_MAX_FILE_MB", "7")
    at = start(monkeypatch, tmp_path)
    open_page(at, "data")
    assert at.file_uploader(key="uploader").proto.max_upload_size_mb == 7


def start_sh(tmp_path: Path, *args: str, **env: str) -> list[str]:
    """The arguments scripts/start.sh gives `streamlit run`, with pip, dpkg-query and
    streamlit itself stood in for (nothing installed, nothing served)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    out = tmp_path / "streamlit-args"
    (bin_dir / "python3").write_text(
        "#!/usr/bin/env bash\n"
        'case "$1 $2" in\n'
        '  "-m pip") exit 0 ;;\n'
        f'  "-m streamlit") shift 2; printf "%s\\n" "$@" > "{out}"; exit 0 ;;\n'
        "esac\n"
        f'exec "{sys.executable}" "$@"\n'
    )
    (bin_dir / "dpkg-query").write_text("#!/usr/bin/env bash\necho 'install ok installed'\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "start.sh"), *args],
        env={
            **{k: v for k, v in os.environ.items() if k not in ("KPI_ADDRESS", "KPI_MAX_FILE_MB")},
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out.read_text().split("\n")[:-1]


def option(args: list[str], name: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == name]


@pytest.mark.slow
def test_start_sh_listens_on_localhost_unless_told_otherwise(tmp_path):
    default = start_sh(tmp_path)
    assert default[:2] == ["run", "app.py"]
    assert option(default, "--server.address") == ["127.0.0.1"]
    assert option(default, "--server.maxUploadSize") == [str(DEFAULT_LIMITS.max_file_mb)]

    told = start_sh(tmp_path, KPI_ADDRESS="0.0.0.0", KPI_MAX_FILE_MB="7.5")
    assert option(told, "--server.address") == ["0.0.0.0"]
    assert option(told, "--server.maxUploadSize") == ["8"]  # whole MB, rounded up

    passed = start_sh(tmp_path, "--server.address", "10.1.2.3", "--server.port", "8600")
    assert option(passed, "--server.address") == ["10.1.2.3"]
    assert option(passed, "--server.port") == ["8600"]


def test_settings_saved_in_open_mode_still_work(data_dir):
    """Fail closed is not fail shut: open mode (no users) may change everything."""
    at = session()
    open_page(at, "settings")
    at.number_input(key="settings_cap").set_value(130.0)
    at.button[0].click().run()
    assert not at.exception
    assert store.load_settings(store.connect(data_dir=data_dir)).cap == 130.0 != DEFAULTS.cap
