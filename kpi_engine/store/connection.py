"""Connecting to the store, and the transactions every read and write runs in.

The embedded default is a SQLite file in WAL mode in the data directory (`KPI_DATA_DIR`,
default `./data`); `DATABASE_URL` selects another database such as PostgreSQL. Each write
is one transaction; on SQLite it begins IMMEDIATE so concurrent writers queue on the busy
timeout instead of failing, and readers in WAL mode see the last committed write, never
half of one. On PostgreSQL writers queue on one advisory lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpi_engine.core.settings import data_dir as settings_data_dir

DATABASE_URL_ENV = "DATABASE_URL"
SQLITE_FILE = "kpi.sqlite3"
BUSY_TIMEOUT_MS = 60_000


def database_url(url: str | None = None, *, data_dir: str | os.PathLike | None = None) -> str:
    """`url`, else `DATABASE_URL`, else a SQLite file in the data directory (created)."""
    url = url or os.environ.get(DATABASE_URL_ENV) or None
    if url:
        return url
    directory = settings_data_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)  # the store and users file: ours only
    return f"sqlite:///{(directory / SQLITE_FILE).resolve()}"


def _create_private(url: str) -> None:
    """Create a SQLite store's file 0600 before SQLite creates it with the umask's 0644
    (its -wal and -shm files take the same mode); an existing file is left as it is."""
    path = sa.engine.make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def connect(url: str | None = None, *, data_dir: str | os.PathLike | None = None) -> Engine:
    """An Engine on the store. SQLite: WAL, busy timeout, foreign keys, and transactions
    begun by us (IMMEDIATE for writes) instead of by the driver."""
    url = database_url(url, data_dir=data_dir)
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    _create_private(url)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit at the driver: we say BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("kpi_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any exception."""
    with engine.connect() as conn:
        conn = conn.execution_options(kpi_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(5005)")
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """One read transaction: every query inside sees the same committed state."""
    with engine.connect() as conn, conn.begin():
        yield conn
