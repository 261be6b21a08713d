"""Stored history: uploads, their versions, settings and what-if scenarios (issue 5).

Plain functions over a SQLAlchemy Engine (Core, no ORM, no Streamlit). The embedded
default is a SQLite file in WAL mode in the data directory (`KPI_DATA_DIR`, default
`./data`); `DATABASE_URL` selects another database such as PostgreSQL.

    engine = start(sample=lambda: (files, load_files(files)))  # connect + migrate + the sample company once
    result = save_upload(engine, name=name, data=data, loaded=loaded, uploader=actor)
    frame = current_kpis(engine)               # newest version of each department x period

Model. Every accepted upload is a row of `uploads` with its KPI rows in `kpi_rows` and the
(department, period) pairs it covers in `coverage`. The version of a department's period
shown is the latest non-deleted upload covering it, "latest" meaning the highest `seq`:
a new upload takes the next number, and restoring an earlier version gives it the next
number again (so it becomes newest without copying its rows). Deleting marks the upload
deleted (undo clears the mark); nothing is ever overwritten, and `audit` says who did
what when. Each write is one transaction; on SQLite it begins IMMEDIATE so concurrent
writers queue on the busy timeout instead of failing, and readers in WAL mode see the
last committed upload, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth import users
from kpi_engine.auth.roles import Actor
from kpi_engine.core import names
from kpi_engine.core.names import unify
from kpi_engine.core.schema import (
    ANCHORS,
    DEFINITION_COLUMNS,
    KPI_COLUMNS,
    Loaded,
    definitions_table,
)
from kpi_engine.core.settings import DEFAULTS, Settings
from kpi_engine.core.settings import data_dir as settings_data_dir
from kpi_engine.core.settings import problems as settings_problems
from kpi_engine.core.whatif import Scenario

DATABASE_URL_ENV = "DATABASE_URL"
SQLITE_FILE = "kpi.sqlite3"
BUSY_TIMEOUT_MS = 60_000
CHUNK_ROWS = 5_000  # rows per executemany

STORED = "stored"
DUPLICATE = "duplicate"
EMPTY = "empty"

FLOAT_COLUMNS = ("weight", "actual", *ANCHORS)
INFERRED_COLUMNS = ("file", "sheet")

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("uploader", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("departments", sa.Text, nullable=False),  # JSON list
    sa.Column("periods", sa.Text, nullable=False),  # JSON list
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
    sa.Column("deleted_by", sa.Text),
)

coverage = sa.Table(
    "coverage",
    metadata,
    sa.Column(
        "upload_id", sa.Integer, sa.ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("dept_key", sa.Text, primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("department", sa.Text, nullable=False),  # as written (first row's spelling)
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Index("ix_coverage_key", "dept_key", "period"),
)

kpi_rows = sa.Table(
    "kpi_rows",
    metadata,
    sa.Column(
        "upload_id", sa.Integer, sa.ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("dept_key", sa.Text, nullable=False),
    *(
        sa.Column(
            c,
            sa.Float if c in FLOAT_COLUMNS else sa.Integer if c == "row" else sa.Text,
        )
        for c in KPI_COLUMNS
    ),
    sa.Index("ix_kpi_rows_key", "upload_id", "dept_key", "period"),
)

definition_rows = sa.Table(
    "definition_rows",
    metadata,
    sa.Column(
        "upload_id", sa.Integer, sa.ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
    *(sa.Column(c, sa.Float if c in FLOAT_COLUMNS else sa.Text) for c in DEFINITION_COLUMNS),
)

settings_log = sa.Table(
    "settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON of Settings
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False, index=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON of Scenario
    sa.Column("saved_by", sa.Text, nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("upload_id", sa.Integer),
    sa.Column("detail", sa.Text),  # JSON
)


# -- connecting ---------------------------------------------------------------------------


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


def _allowed(actor: Actor, action: str) -> Actor:
    """The actor as the users file says now, if they may do `action`: a user removed or
    given a lower role since signing in is refused here, whatever their session holds
    (`users.current_actor`). Raises access.Forbidden."""
    actor = users.current_actor(actor)
    access.require(actor, action)
    return actor


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any exception."""
    with engine.connect() as conn:
        conn = conn.execution_options(kpi_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(5005)")
            yield conn


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """One read transaction: every query inside sees the same committed state."""
    with engine.connect() as conn, conn.begin():
        yield conn


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# -- schema and migrations ----------------------------------------------------------------


def _v1(conn: Connection) -> None:
    """The first schema: uploads and their rows, coverage, settings, scenarios, audit."""
    metadata.create_all(
        conn,
        tables=[counters, uploads, coverage, kpi_rows, definition_rows],
    )
    metadata.create_all(conn, tables=[settings_log, scenarios, audit])
    conn.execute(counters.insert(), [{"name": "seq", "value": 0}])


# Ordered: MIGRATIONS[i] takes the schema from version i to i + 1. Append, never edit.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1,)
SCHEMA_VERSION = len(MIGRATIONS)


def version(engine: Engine) -> int:
    """The schema version of the store (0 when it has none yet)."""
    with _reading(engine) as conn:
        return _version(conn)


def _version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table(schema_version.name):
        return 0
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(engine: Engine) -> int:
    """Bring the schema to SCHEMA_VERSION, one migration per transaction; idempotent and
    safe when several processes start at once. Returns the version reached."""
    with _writing(engine) as conn:
        schema_version.create(conn, checkfirst=True)
    while True:
        with _writing(engine) as conn:
            current = _version(conn)
            if current >= SCHEMA_VERSION:
                return current
            MIGRATIONS[current](conn)
            conn.execute(schema_version.insert(), [{"version": current + 1, "applied_at": _now()}])


# -- encoding rows ------------------------------------------------------------------------


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _shared_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return _json(list(value))  # type: ignore[call-overload]


def _shared_value(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


def _extras_text(value: object) -> str | None:
    return None if value is None else _json(value)


def _extras_value(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)


def _plain(value: object) -> object:
    """A cell as the driver takes it: NaN and NA as NULL, numpy scalars as Python ones."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return None if value is pd.NA or value is pd.NaT else value


def _column_values(frame: pd.DataFrame, column: str) -> list:
    series = frame[column]
    if column == "shared_with":
        return [_shared_text(v) for v in series]
    if column == "extras":
        return [_extras_text(v) for v in series]
    if column in FLOAT_COLUMNS:
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return [None if v != v else v for v in values.tolist()]
    return [_plain(v) for v in series.tolist()]


def _records(
    frame: pd.DataFrame, columns: Sequence[str], upload_id: int, **more: list
) -> list[dict]:
    """Rows as dicts for executemany, built column by column (no per-cell pandas calls)."""
    names = ["upload_id", "ordinal", *columns, *more]
    values = [
        [upload_id] * len(frame),
        list(range(len(frame))),
        *(_column_values(frame, c) for c in columns),
        *more.values(),
    ]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _insert(conn: Connection, table: sa.Table, records: list[dict]) -> None:
    """executemany in chunks: a round trip per chunk, never per row."""
    for start in range(0, len(records), CHUNK_ROWS):
        conn.execute(table.insert(), records[start : start + CHUNK_ROWS])
        _inside_transaction(conn, table.name)


def _inside_transaction(conn: Connection, stage: str) -> None:
    """A no-op called after each chunk is written; tests replace it to fail or sleep."""


# -- uploads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    """What storing an upload did. `versions`: (department, period, version number) for
    each department-period the upload covers (1 = first upload of that period)."""

    status: str  # STORED, DUPLICATE (the same file is already what is shown) or EMPTY
    upload_id: int | None
    versions: tuple[tuple[str, str, int], ...] = ()
    replaced: tuple[int, ...] = ()  # uploads that were the newest version before

    @property
    def stored(self) -> bool:
        return self.status == STORED


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _next_seq(conn: Connection) -> int:
    conn.execute(
        counters.update().where(counters.c.name == "seq").values(value=counters.c.value + 1)
    )
    return int(conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq")).scalar())


def _each_distinct(values: Iterable[Any], fn: Callable[[Any], Any]) -> list:
    """`fn` of each value, computed once per distinct value: a column of 60,000 rows holds
    a few dozen names or JSON texts, and equal values share one (immutable) result."""
    values = list(values)
    done = {v: fn(v) for v in dict.fromkeys(values)}
    return [done[v] for v in values]


def _coverage_of(kpis: pd.DataFrame, dept_keys: list[str]) -> pd.DataFrame:
    """(dept_key, period) -> department as first written and row count."""
    if kpis.empty:
        return pd.DataFrame(columns=["dept_key", "period", "department", "rows"])
    keyed = pd.DataFrame(
        {
            "dept_key": dept_keys,
            "period": kpis["period"].to_numpy(),
            "department": kpis["department"].to_numpy(),
        }
    )
    grouped = keyed.groupby(["dept_key", "period"], sort=True)
    return grouped["department"].agg(department="first", rows="size").reset_index()


def _ranked() -> sa.Subquery:
    """Each (dept_key, period) with the non-deleted uploads covering it, `rn` 1 = newest."""
    return (
        sa.select(
            coverage.c.dept_key,
            coverage.c.period,
            coverage.c.upload_id,
            uploads.c.seq,
            sa.func.row_number()
            .over(
                partition_by=(coverage.c.dept_key, coverage.c.period),
                order_by=uploads.c.seq.desc(),
            )
            .label("rn"),
        )
        .join(uploads, uploads.c.id == coverage.c.upload_id)
        .where(uploads.c.deleted_at.is_(None))
        .subquery()
    )


def _newest(conn: Connection, keys: Iterable[tuple[str, str]] | None = None) -> pd.DataFrame:
    """The newest non-deleted upload of each (dept_key, period) (optionally only `keys`)."""
    ranked = _ranked()
    query = sa.select(ranked.c.dept_key, ranked.c.period, ranked.c.upload_id).where(
        ranked.c.rn == 1
    )
    frame = pd.DataFrame(conn.execute(query).all(), columns=["dept_key", "period", "upload_id"])
    if keys is not None:
        wanted = pd.MultiIndex.from_tuples(list(keys), names=["dept_key", "period"])
        frame = frame[frame.set_index(["dept_key", "period"]).index.isin(wanted)]
    return frame


def save_upload(
    engine: Engine, *, name: str, data: bytes, loaded: Loaded, uploader: Actor
) -> UploadResult:
    """Store one file's accepted rows (and its definitions) as a new version of every
    department-period it covers, in one transaction. The same file again, while it is
    still the version shown everywhere it covers, changes nothing (DUPLICATE).

    Raises `access.Forbidden` when the uploader may not upload, or (a manager) when any
    row or definition belongs to a department that is not theirs: nothing is stored."""
    uploader = _allowed(uploader, access.UPLOAD)
    loaded = replace(loaded, definitions=_new_definitions(loaded.definitions, definitions(engine)))
    departments = pd.concat([loaded.kpis["department"], loaded.definitions["department"]])
    access.require_departments(uploader, departments.dropna().astype(str).unique())
    if uploader.role == access.MANAGER:
        access.require_known_partners(uploader, _partners(loaded.kpis), _known_keys(engine))
    with _writing(engine) as conn:
        return _save(conn, name=name, data=data, loaded=loaded, uploader=uploader.name)


def _partners(kpis: pd.DataFrame) -> list[str]:
    """Every department a file's rows name as a partner."""
    cells = kpis["shared_with"].dropna()
    return sorted({p for cell in pd.unique(cells.astype(object)) for p in cell})


def _known_keys(engine: Engine) -> set[str]:
    """Department keys of every department stored: those with rows in a live upload and
    those the stored definitions name."""

    def live(column: sa.Column) -> sa.Select:
        return (
            sa.select(column)
            .join(uploads, uploads.c.id == column.table.c.upload_id)
            .where(uploads.c.deleted_at.is_(None))
            .distinct()
        )

    with _reading(engine) as conn:
        keys = conn.execute(live(coverage.c.dept_key)).scalars().all()
        named = conn.execute(live(definition_rows.c.department)).scalars().all()
    return set(keys) | {names.department_key(n) for n in named if n}


def _new_definitions(offered: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The definitions an upload adds or changes. A file is checked against the stored
    definitions, which then come back in its `Loaded.definitions`: storing those again
    would copy them into every upload, and a manager's upload would seem to carry every
    department's definitions."""
    if offered.empty or stored.empty:
        return offered
    columns = list(DEFINITION_COLUMNS)
    known = definitions_table(stored)[columns].astype(object).fillna("")
    keyed = definitions_table(offered)[columns].astype(object).fillna("")
    merged = keyed.merge(known.drop_duplicates(), how="left", on=columns, indicator=True)
    return definitions_table(offered).loc[(merged["_merge"] == "left_only").to_numpy()]


def _save(
    conn: Connection, *, name: str, data: bytes, loaded: Loaded, uploader: str
) -> UploadResult:
    kpis, defs = loaded.kpis, loaded.definitions
    if kpis.empty and defs.empty:
        return UploadResult(EMPTY, None)
    sha = digest(data)
    seq = _next_seq(conn)  # first: on PostgreSQL this row lock orders concurrent writers
    dept_keys = _each_distinct(kpis["department"], names.department_key)
    cover = _coverage_of(kpis, dept_keys)
    keys = list(zip(cover["dept_key"], cover["period"], strict=True))
    before = _newest(conn, keys)
    same = conn.execute(
        sa.select(uploads.c.id)
        .where(uploads.c.sha256 == sha, uploads.c.deleted_at.is_(None))
        .order_by(uploads.c.seq.desc())
    ).first()
    if same is not None and (not keys or (before["upload_id"] == same.id).sum() == len(keys)):
        counts = _version_numbers(conn, keys, same.id)
        return UploadResult(DUPLICATE, int(same.id), _versions(cover, counts))
    upload_id = conn.execute(
        uploads.insert().values(
            seq=seq,
            name=name,
            sha256=sha,
            size=len(data),
            uploader=uploader,
            uploaded_at=_now(),
            departments=_json(sorted(set(cover["department"]))),
            periods=_json(sorted(set(cover["period"]))),
            rows_accepted=int(loaded.rows_accepted),
            rows_rejected=int(loaded.rows_rejected),
        )
    ).inserted_primary_key[0]
    if len(cover):
        cover_records = cover.assign(upload_id=upload_id).to_dict("records")
        conn.execute(
            coverage.insert(),
            [
                {k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
                for r in cover_records
            ],
        )
    if not kpis.empty:
        _insert(conn, kpi_rows, _records(kpis, KPI_COLUMNS, upload_id, dept_key=dept_keys))
    if not defs.empty:
        _insert(conn, definition_rows, _records(defs, DEFINITION_COLUMNS, upload_id))
    replaced = tuple(sorted({int(u) for u in before["upload_id"]}))
    counts = _version_numbers(conn, keys, upload_id)
    _audit(conn, uploader, "upload", upload_id, {"name": name, "sha256": sha, "replaced": replaced})
    _inside_transaction(conn, "done")
    return UploadResult(STORED, int(upload_id), _versions(cover, counts), replaced)


def _version_numbers(
    conn: Connection, keys: list[tuple[str, str]], upload_id: int
) -> dict[tuple[str, str], int]:
    """Version number of `upload_id` in each (dept_key, period): 1 + earlier uploads of it."""
    if not keys:
        return {}
    query = (
        sa.select(coverage.c.dept_key, coverage.c.period, sa.func.count().label("n"))
        .where(coverage.c.upload_id <= upload_id)
        .group_by(coverage.c.dept_key, coverage.c.period)
    )
    wanted = set(keys)
    return {(d, p): int(n) for d, p, n in conn.execute(query) if (d, p) in wanted}


def _versions(cover: pd.DataFrame, counts: Mapping[tuple[str, str], int]) -> tuple:
    return tuple(
        (dept, period, counts.get((key, period), 0))
        for key, period, dept in zip(
            cover["dept_key"], cover["period"], cover["department"], strict=True
        )
    )


def seed(
    engine: Engine,
    files: Sequence[tuple[str, bytes]],
    *,
    loaded: Loaded,
    uploader: str = "sample",
) -> bool:
    """Store `files` (the sample company) once, when the store has never had an upload.
    All files are parsed together (so monthly forms find the definitions file; pass
    `loaded` when they are parsed already) and stored as one upload each, in one
    transaction. Returns whether it stored them."""
    if _has_uploads(engine):
        return False
    with _writing(engine) as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(uploads)).scalar():
            return False
        for name, data in files:
            mine = loaded.kpis[loaded.kpis["file"] == name].reset_index(drop=True)
            issues = loaded.issues[loaded.issues["file"] == name]
            rejected = int((issues["severity"] == "error").sum()) if len(issues) else 0
            defs = loaded.definitions.iloc[0:0] if len(mine) else loaded.definitions
            _save(
                conn,
                name=name,
                data=data,
                loaded=Loaded(mine, defs, issues, rejected),
                uploader=uploader,
            )
    return True


def start(
    url: str | None = None,
    *,
    data_dir: str | os.PathLike | None = None,
    sample: Callable[[], tuple[Sequence[tuple[str, bytes]], Loaded]] | None = None,
) -> Engine:
    """connect + migrate + seed the sample company on first start: what the app calls.
    `sample` gives the sample files and their parse (the caller parses: the store never does)."""
    engine = connect(url, data_dir=data_dir)
    migrate(engine)
    if sample is not None and not _has_uploads(engine):
        files, loaded = sample()
        seed(engine, files, loaded=loaded)
    return engine


def _has_uploads(engine: Engine) -> bool:
    with _reading(engine) as conn:
        return bool(conn.execute(sa.select(sa.func.count()).select_from(uploads)).scalar())


# Audit actions by what they change, so a cache of one kind outlives changes of another.
DATA_ACTIONS = ("upload", "restore", "delete", "undo_delete")
SETTINGS_ACTIONS = ("settings",)
SCENARIO_ACTIONS = ("scenario", "scenario_delete")


def revision(engine: Engine, actions: Iterable[str] | None = None) -> int:
    """A number that changes whenever anything stored changes (the last audit entry), or
    only what `actions` change: what a cache of stored data is keyed by."""
    query = sa.select(sa.func.max(audit.c.id))
    if actions is not None:
        query = query.where(audit.c.action.in_(tuple(actions)))
    with _reading(engine) as conn:
        return int(conn.execute(query).scalar() or 0)


# -- reading ------------------------------------------------------------------------------


def _frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    """Rows -> frame, built column by column from one transpose (no per-cell pandas work):
    object text columns (None kept), floats, an int `row`, JSON cells decoded."""
    values = list(zip(*rows, strict=True)) or [()] * len(columns)
    return pd.DataFrame({c: _column(c, v) for c, v in zip(columns, values, strict=True)})


def _column(name: str, values: Sequence[Any]) -> pd.Series | np.ndarray:
    if name in FLOAT_COLUMNS:
        return np.array(values, dtype=float)  # NULL -> NaN
    if name == "row":
        return np.array(values, dtype=np.int64)
    if name in INFERRED_COLUMNS:  # never missing: typed as the loader's are
        return pd.Series(list(values))
    if name == "shared_with":  # tuples: one per distinct text is safe to share
        return pd.Series(_each_distinct(values, _shared_value), dtype=object)
    if name == "extras":  # dicts: one per row, so that editing one changes no other row
        return pd.Series([_extras_value(v) for v in values], dtype=object)
    return pd.Series(values, dtype=object)


def current_kpis(engine: Engine) -> pd.DataFrame:
    """The KPI rows shown: of each department x period, the newest version's rows
    (`schema.KPI_COLUMNS`, ordered by upload then row order within it), each department
    under the name it was first stored with (`names.unify`)."""
    with _reading(engine) as conn:
        return unify(_current(conn), preferred=_first_names(conn))


def _first_names(conn: Connection) -> list[str]:
    """Each department's spelling in the first upload that covered it (deleted ones too,
    so that a name does not change when an upload is deleted)."""
    query = (
        sa.select(coverage.c.dept_key, coverage.c.department)
        .join(uploads, uploads.c.id == coverage.c.upload_id)
        .order_by(uploads.c.seq, coverage.c.period)
    )
    first: dict[str, str] = {}
    for key, name in conn.execute(query).all():
        first.setdefault(key, name)
    return list(first.values())


def _current(conn: Connection) -> pd.DataFrame:
    ranked = _ranked()
    query = (
        sa.select(*(kpi_rows.c[c] for c in KPI_COLUMNS))
        .join(
            ranked,
            sa.and_(
                ranked.c.upload_id == kpi_rows.c.upload_id,
                ranked.c.dept_key == kpi_rows.c.dept_key,
                ranked.c.period == kpi_rows.c.period,
                ranked.c.rn == 1,
            ),
        )
        .order_by(ranked.c.seq, kpi_rows.c.ordinal)
    )
    return _frame(conn.execute(query).all(), KPI_COLUMNS)


def definitions(engine: Engine) -> pd.DataFrame:
    """KPI definitions of every non-deleted upload, newer uploads winning, one per KPI."""
    columns = list(DEFINITION_COLUMNS)
    query = (
        sa.select(*(definition_rows.c[c] for c in columns))
        .join(uploads, uploads.c.id == definition_rows.c.upload_id)
        .where(uploads.c.deleted_at.is_(None))
        .order_by(uploads.c.seq, definition_rows.c.ordinal)
    )
    with _reading(engine) as conn:
        rows = conn.execute(query).all()
    return definitions_table(_frame(rows, columns))


HISTORY_COLUMNS = (
    "upload_id",
    "name",
    "sha256",
    "size",
    "uploader",
    "uploaded_at",
    "departments",
    "periods",
    "rows_accepted",
    "rows_rejected",
    "deleted",
    "deleted_by",
    "deleted_at",
    "current",
)


def history(engine: Engine) -> pd.DataFrame:
    """Every upload, newest first: who sent which file when, what it covers, rows accepted
    and rejected, whether it is deleted and whether it is the version shown anywhere."""
    with _reading(engine) as conn:
        rows = conn.execute(sa.select(uploads).order_by(uploads.c.id.desc())).mappings().all()
        shown = set(_newest(conn)["upload_id"])
    records = [
        {
            "upload_id": r["id"],
            "name": r["name"],
            "sha256": r["sha256"],
            "size": r["size"],
            "uploader": r["uploader"],
            "uploaded_at": _utc(r["uploaded_at"]),
            "departments": tuple(json.loads(r["departments"])),
            "periods": tuple(json.loads(r["periods"])),
            "rows_accepted": r["rows_accepted"],
            "rows_rejected": r["rows_rejected"],
            "deleted": r["deleted_at"] is not None,
            "deleted_by": r["deleted_by"],
            "deleted_at": _utc(r["deleted_at"]),
            "current": r["id"] in shown,
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=list(HISTORY_COLUMNS))


def covered(engine: Engine) -> pd.DataFrame:
    """Every department-month ever uploaded, with how many versions it has (deleted ones
    included): what a version picker offers. Columns: department, period, versions."""
    query = (
        sa.select(
            sa.func.min(coverage.c.department),
            coverage.c.period,
            sa.func.count(),
        )
        .group_by(coverage.c.dept_key, coverage.c.period)
        .order_by(coverage.c.dept_key, coverage.c.period)
    )
    with _reading(engine) as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["department", "period", "versions"])


def versions(engine: Engine, department: str, period: str) -> pd.DataFrame:
    """Every upload of a department's period, oldest first, numbered from 1; `current`
    marks the one shown (the newest non-deleted by seq, which a restore moves)."""
    key = names.department_key(department)
    query = (
        sa.select(
            uploads.c.id,
            uploads.c.name,
            uploads.c.uploader,
            uploads.c.uploaded_at,
            coverage.c.rows,
            uploads.c.deleted_at,
        )
        .join(coverage, coverage.c.upload_id == uploads.c.id)
        .where(coverage.c.dept_key == key, coverage.c.period == period)
        .order_by(uploads.c.id)
    )
    with _reading(engine) as conn:
        rows = conn.execute(query).all()
        newest = _newest(conn, [(key, period)])
    shown = int(newest["upload_id"].iloc[0]) if len(newest) else None
    return pd.DataFrame(
        [
            {
                "version": i + 1,
                "upload_id": r.id,
                "name": r.name,
                "uploader": r.uploader,
                "uploaded_at": _utc(r.uploaded_at),
                "rows": r.rows,
                "deleted": r.deleted_at is not None,
                "current": r.id == shown,
            }
            for i, r in enumerate(rows)
        ],
        columns=[
            "version",
            "upload_id",
            "name",
            "uploader",
            "uploaded_at",
            "rows",
            "deleted",
            "current",
        ],
    )


# -- changing what is shown -----------------------------------------------------------------


def _get_upload(conn: Connection, upload_id: int) -> Any:
    found = conn.execute(sa.select(uploads).where(uploads.c.id == upload_id)).first()
    if found is None:
        raise KeyError(f"no upload {upload_id}")
    return found


class Refused(ValueError):
    """A change that does not apply to the upload as it now stands (another session may
    have changed it): deleting a deleted upload, undoing the delete of a live one. `code`
    and `params` name the message for the catalogs (`data.<code>`); str() is English."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def restore(engine: Engine, upload_id: int, *, user: Actor) -> None:
    """Make an earlier upload the version shown again for everything it covers (and bring
    it back if it was deleted)."""
    _change_upload(engine, upload_id, user, access.RESTORE, "restore", next_seq=True)


def delete(engine: Engine, upload_id: int, *, user: Actor) -> None:
    """Hide an upload: the previous version of what it covers is shown again. Undoable.
    Raises Refused when it is deleted already (its deletion keeps its time and user)."""
    _change_upload(
        engine, upload_id, user, access.DELETE, "delete", deleted_at=_now(), deleted_by=user.name
    )


def undo_delete(engine: Engine, upload_id: int, *, user: Actor) -> None:
    """Bring a deleted upload back where it was in the order of versions. Raises Refused
    when it is not deleted: there is nothing to undo."""
    _change_upload(engine, upload_id, user, access.DELETE, "undo_delete")


def _change_upload(
    engine: Engine,
    upload_id: int,
    user: Actor,
    permission: str,
    action: str,
    *,
    next_seq: bool = False,
    deleted_at: datetime | None = None,
    deleted_by: str | None = None,
) -> None:
    """One transaction: check the role, find the upload, check that a delete finds it
    live and an undo finds it deleted, set its deletion (and, for a restore, make it the
    newest), log the action."""
    user = _allowed(user, permission)
    with _writing(engine) as conn:
        found = _get_upload(conn, upload_id)
        if action == "delete" and found.deleted_at is not None:
            raise Refused(
                "already_deleted",
                f"{found.name} was already deleted by {found.deleted_by}",
                file=found.name,
                user=found.deleted_by,
            )
        if action == "undo_delete" and found.deleted_at is None:
            raise Refused(
                "not_deleted", f"{found.name} is not deleted: nothing to undo", file=found.name
            )
        values = {"deleted_at": deleted_at, "deleted_by": deleted_by}
        if next_seq:
            values["seq"] = _next_seq(conn)
        conn.execute(uploads.update().where(uploads.c.id == upload_id).values(**values))
        _audit(conn, user.name, action, upload_id, None)


# -- settings and scenarios -------------------------------------------------------------------


def save_settings(engine: Engine, settings: Settings, *, user: Actor) -> None:
    """Store new settings (the old ones stay in the log); unusable ones are refused."""
    user = _allowed(user, access.SETTINGS)
    found = settings_problems(settings)
    if found:
        raise ValueError(f"unusable settings: {', '.join(found)}")
    value = asdict(settings)
    value = {k: dict(v) if isinstance(v, Mapping) else v for k, v in value.items()}
    with _writing(engine) as conn:
        conn.execute(
            settings_log.insert().values(
                value=_json(value), changed_by=user.name, changed_at=_now()
            )
        )
        _audit(conn, user.name, "settings", None, value)


def load_settings(engine: Engine) -> Settings:
    """The latest stored settings, else SPEC's defaults."""
    with _reading(engine) as conn:
        text = conn.execute(
            sa.select(settings_log.c.value).order_by(settings_log.c.id.desc()).limit(1)
        ).scalar()
    if text is None:
        return DEFAULTS
    return Settings(**json.loads(text))


def settings_history(engine: Engine) -> pd.DataFrame:
    """Every settings change, newest first: settings, changed_by, changed_at."""
    with _reading(engine) as conn:
        rows = conn.execute(sa.select(settings_log).order_by(settings_log.c.id.desc())).all()
    return pd.DataFrame(
        [
            {
                "settings": Settings(**json.loads(r.value)),
                "changed_by": r.changed_by,
                "changed_at": _utc(r.changed_at),
            }
            for r in rows
        ],
        columns=["settings", "changed_by", "changed_at"],
    )


def _scenario_value(scenario: Scenario) -> dict:
    return {
        "name": scenario.name,
        "perspective_weights": (
            None if scenario.perspective_weights is None else dict(scenario.perspective_weights)
        ),
        "department_weights": dict(scenario.department_weights),
        "kpi_weights": [[d, k, v] for (d, k), v in scenario.kpi_weights.items()],
        "kpi_targets": [[d, k, v] for (d, k), v in scenario.kpi_targets.items()],
        "method": scenario.method,
    }


def _scenario_of(value: Mapping) -> Scenario:
    return Scenario(
        name=value["name"],
        perspective_weights=value["perspective_weights"],
        department_weights=value["department_weights"],
        kpi_weights={(d, k): v for d, k, v in value["kpi_weights"]},
        kpi_targets={(d, k): v for d, k, v in value["kpi_targets"]},
        method=value["method"],
    )


def save_scenario(engine: Engine, scenario: Scenario, *, user: Actor) -> None:
    """Store a named what-if scenario; saving a name again keeps the latest."""
    user = _allowed(user, access.SCENARIO)
    value = _scenario_value(scenario)
    with _writing(engine) as conn:
        conn.execute(
            scenarios.insert().values(
                name=scenario.name, value=_json(value), saved_by=user.name, saved_at=_now()
            )
        )
        _audit(conn, user.name, "scenario", None, {"name": scenario.name})


def delete_scenario(engine: Engine, name: str, *, user: Actor) -> None:
    """Remove a saved scenario from the list (its versions stay in the table and the log)."""
    user = _allowed(user, access.SCENARIO)
    with _writing(engine) as conn:
        found = conn.execute(
            scenarios.update()
            .where(scenarios.c.name == name, scenarios.c.deleted_at.is_(None))
            .values(deleted_at=_now())
        ).rowcount
        if not found:
            raise KeyError(f"no scenario {name!r}")
        _audit(conn, user.name, "scenario_delete", None, {"name": name})


def list_scenarios(engine: Engine) -> pd.DataFrame:
    """The latest version of each saved scenario by name: name, scenario, saved_by, saved_at."""
    latest = (
        sa.select(sa.func.max(scenarios.c.id))
        .where(scenarios.c.deleted_at.is_(None))
        .group_by(scenarios.c.name)
    )
    query = sa.select(scenarios).where(scenarios.c.id.in_(latest)).order_by(scenarios.c.name)
    with _reading(engine) as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(
        [
            {
                "name": r.name,
                "scenario": _scenario_of(json.loads(r.value)),
                "saved_by": r.saved_by,
                "saved_at": _utc(r.saved_at),
            }
            for r in rows
        ],
        columns=["name", "scenario", "saved_by", "saved_at"],
    )


# -- audit --------------------------------------------------------------------------------


def _audit(conn: Connection, user: str, action: str, upload_id: int | None, detail: object) -> None:
    conn.execute(
        audit.insert().values(
            at=_now(),
            user=user,
            action=action,
            upload_id=upload_id,
            detail=None if detail is None else _json(detail),
        )
    )


def audit_log(engine: Engine) -> pd.DataFrame:
    """Who did what when, newest first: at, user, action, upload_id, detail (dict or None)."""
    with _reading(engine) as conn:
        rows = conn.execute(sa.select(audit).order_by(audit.c.id.desc())).all()
    return pd.DataFrame(
        [
            {
                "at": _utc(r.at),
                "user": r.user,
                "action": r.action,
                "upload_id": r.upload_id,
                "detail": None if r.detail is None else json.loads(r.detail),
            }
            for r in rows
        ],
        columns=["at", "user", "action", "upload_id", "detail"],
    )
