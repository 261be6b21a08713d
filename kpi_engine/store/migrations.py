"""Schema migrations: each one takes the store from one version to the next, in its own
transaction, and records the version reached in `schema_version`.

Every migration spells out its DDL as it was on the day it was written: tables defined
inside the migration, column by column, never built from the live tables of
`schema.py` or from the engine's column lists. Editing those cannot change what an
existing migration creates, so a database migrated last year and one migrated today have
the same schema. A change of schema is a new migration appended to MIGRATIONS (and the
same change in `schema.py`); `tests/test_store_migrations.py` checks that the migrations
build exactly the live schema, on SQLite and PostgreSQL, and an import-linter contract
keeps this module from importing either schema module.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpi_engine.store import codec
from kpi_engine.store.connection import reading, writing


def _bookkeeping() -> sa.Table:
    """`schema_version` as the first store created it: written before any migration."""
    return sa.Table(
        "schema_version",
        sa.MetaData(),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )


def _v1(conn: Connection) -> None:
    """The first schema: uploads and their rows, coverage, settings, scenarios, audit."""
    frozen = sa.MetaData()
    counters = sa.Table(
        "counters",
        frozen,
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "uploads",
        frozen,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.BigInteger, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("uploader", sa.Text, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("departments", sa.Text, nullable=False),
        sa.Column("periods", sa.Text, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_by", sa.Text),
    )

    def upload_id() -> sa.Column:
        return sa.Column(
            "upload_id",
            sa.Integer,
            sa.ForeignKey("uploads.id", ondelete="CASCADE"),
            primary_key=True,
        )

    sa.Table(
        "coverage",
        frozen,
        upload_id(),
        sa.Column("dept_key", sa.Text, primary_key=True),
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("department", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Index("ix_coverage_key", "dept_key", "period"),
    )
    sa.Table(
        "kpi_rows",
        frozen,
        upload_id(),
        sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("dept_key", sa.Text, nullable=False),
        sa.Column("file", sa.Text),
        sa.Column("sheet", sa.Text),
        sa.Column("row", sa.Integer),
        sa.Column("department", sa.Text),
        sa.Column("kpi_id", sa.Text),
        sa.Column("kpi_name", sa.Text),
        sa.Column("perspective", sa.Text),
        sa.Column("direction", sa.Text),
        sa.Column("weight", sa.Float),
        sa.Column("actual", sa.Float),
        sa.Column("target", sa.Float),
        sa.Column("floor", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("stretch", sa.Float),
        sa.Column("target_low", sa.Float),
        sa.Column("target_high", sa.Float),
        sa.Column("aggregation", sa.Text),
        sa.Column("shared_with", sa.Text),
        sa.Column("unit", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("period", sa.Text),
        sa.Column("extras", sa.Text),
        sa.Index("ix_kpi_rows_key", "upload_id", "dept_key", "period"),
    )
    sa.Table(
        "definition_rows",
        frozen,
        upload_id(),
        sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("department", sa.Text),
        sa.Column("kpi_name", sa.Text),
        sa.Column("kpi_id", sa.Text),
        sa.Column("perspective", sa.Text),
        sa.Column("direction", sa.Text),
        sa.Column("weight", sa.Float),
        sa.Column("target", sa.Float),
        sa.Column("floor", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("stretch", sa.Float),
        sa.Column("target_low", sa.Float),
        sa.Column("target_high", sa.Float),
        sa.Column("aggregation", sa.Text),
        sa.Column("shared_with", sa.Text),
        sa.Column("unit", sa.Text),
        sa.Column("owner", sa.Text),
    )
    sa.Table(
        "settings",
        frozen,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "scenarios",
        frozen,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False, index=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("saved_by", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    sa.Table(
        "audit",
        frozen,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("upload_id", sa.Integer),
        sa.Column("detail", sa.Text),
    )
    frozen.create_all(conn)
    conn.execute(counters.insert(), [{"name": "seq", "value": 0}])


def _v2(conn: Connection) -> None:
    """KPI and definition rows gain what Chinese assessment sheets say besides a KPI's line
    (SPEC §5.6-§5.8): the veto flag, the section (veto gate, bonus or penalty item), the
    scoring rule as written and the full points. Rows stored before read as plain KPIs."""
    added = (
        ("veto", sa.Boolean()),
        ("section", sa.Text()),
        ("rule", sa.Text()),
        ("full_points", sa.Float()),
    )
    for table in ("kpi_rows", "definition_rows"):
        _add_columns(conn, table, added)


def _add_columns(
    conn: Connection, table: str, added: tuple[tuple[str, sa.types.TypeEngine], ...]
) -> None:
    """ALTER TABLE ... ADD COLUMN for each (name, type): nullable columns, so rows stored
    before read as NULL."""
    preparer = conn.dialect.identifier_preparer
    for name, kind in added:
        ddl = kind.compile(dialect=conn.dialect)
        conn.execute(
            sa.text(f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {preparer.quote(name)} {ddl}")
        )


def _v3(conn: Connection) -> None:
    """The monthly cycle (issue 17): an upload's approval state and review, notes on KPIs,
    the actions agreed in meetings and the closing of periods. Uploads stored before have
    no state, which reads as published."""
    _add_columns(
        conn,
        "uploads",
        (
            ("state", sa.String(16)),
            ("reviewed_by", sa.Text()),
            ("reviewed_at", sa.DateTime(timezone=True)),
            ("review_comment", sa.Text()),
        ),
    )
    frozen = sa.MetaData()
    sa.Table(
        "notes",
        frozen,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dept_key", sa.Text, nullable=False),
        sa.Column("department", sa.Text, nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("kpi_key", sa.Text, nullable=False),
        sa.Column("kpi", sa.Text, nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("measure", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("upload_id", sa.Integer),
        sa.Index("ix_notes_key", "dept_key", "period"),
    )
    sa.Table(
        "actions",
        frozen,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(16), nullable=False, index=True),
        sa.Column("dept_key", sa.Text),
        sa.Column("department", sa.Text),
        sa.Column("kpi_key", sa.Text),
        sa.Column("kpi", sa.Text),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Text),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closing_note", sa.Text),
    )
    sa.Table(
        "closures",
        frozen,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(16), nullable=False, index=True),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text),
    )
    frozen.create_all(conn)


def _v4(conn: Connection) -> None:
    """The organisation tree (issue 18): the edges each upload states (a department or
    unit, the unit it sits under). Uploads stored before state none."""
    frozen = sa.MetaData()
    sa.Table("uploads", frozen, sa.Column("id", sa.Integer, primary_key=True))  # (exists)
    sa.Table(
        "org_edges",
        frozen,
        sa.Column(
            "upload_id",
            sa.Integer,
            sa.ForeignKey("uploads.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("unit_key", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("parent", sa.Text, nullable=False),
        sa.Index("ix_org_edges_key", "unit_key"),
    ).create(conn)


# Ordered: MIGRATIONS[i] takes the schema from version i to i + 1. Append, never edit.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2, _v3, _v4)
SCHEMA_VERSION = len(MIGRATIONS)


def version(engine: Engine) -> int:
    """The schema version of the store (0 when it has none yet)."""
    with reading(engine) as conn:
        return _version(conn)


def _version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    applied = _bookkeeping().c.version
    return int(conn.execute(sa.select(sa.func.max(applied))).scalar() or 0)


def migrate(engine: Engine) -> int:
    """Bring the schema to SCHEMA_VERSION, one migration per transaction; idempotent and
    safe when several processes start at once. Returns the version reached."""
    with writing(engine) as conn:
        _bookkeeping().create(conn, checkfirst=True)
    while True:
        with writing(engine) as conn:
            current = _version(conn)
            if current >= SCHEMA_VERSION:
                return current
            MIGRATIONS[current](conn)
            conn.execute(
                _bookkeeping().insert(), [{"version": current + 1, "applied_at": codec.now()}]
            )
