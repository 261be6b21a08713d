"""The live schema: the store's tables as the code reads and writes them today.

Migrations are not built from these tables: each migration freezes its own DDL
(`migrations.py`), so editing a table here cannot change what an applied migration
created. A change here comes with a new migration that makes the same change, and
`tests/test_store_migrations.py` fails until the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_engine.core.schema import ANCHORS, DEFINITION_COLUMNS, KPI_COLUMNS

FLOAT_COLUMNS = ("weight", "actual", *ANCHORS, "full_points")
BOOLEAN_COLUMNS = ("veto",)


def _column_type(column: str) -> type[sa.types.TypeEngine]:
    """How a KPI or definition column is stored: numbers as floats, flags as booleans, the
    Excel row as an integer, everything else (text, JSON cells) as text."""
    if column in FLOAT_COLUMNS:
        return sa.Float
    if column in BOOLEAN_COLUMNS:
        return sa.Boolean
    return sa.Integer if column == "row" else sa.Text


INFERRED_COLUMNS = ("file", "sheet")


def _upload_id() -> sa.Column:
    """The upload a row belongs to (deleted with it): the first half of its key."""
    return sa.Column(
        "upload_id", sa.Integer, sa.ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )


def _ordinal() -> sa.Column:
    """A row's place in its upload: the second half of its key."""
    return sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False)


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
    # Approval (issue 17): core.schema.UPLOAD_STATES; NULL (uploads before it) is published.
    sa.Column("state", sa.String(16)),
    sa.Column("reviewed_by", sa.Text),
    sa.Column("reviewed_at", sa.DateTime(timezone=True)),
    sa.Column("review_comment", sa.Text),
)

coverage = sa.Table(
    "coverage",
    metadata,
    _upload_id(),
    sa.Column("dept_key", sa.Text, primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("department", sa.Text, nullable=False),  # as written (first row's spelling)
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Index("ix_coverage_key", "dept_key", "period"),
)

kpi_rows = sa.Table(
    "kpi_rows",
    metadata,
    _upload_id(),
    _ordinal(),
    sa.Column("dept_key", sa.Text, nullable=False),
    *(sa.Column(c, _column_type(c)) for c in KPI_COLUMNS),
    sa.Index("ix_kpi_rows_key", "upload_id", "dept_key", "period"),
)

definition_rows = sa.Table(
    "definition_rows",
    metadata,
    _upload_id(),
    _ordinal(),
    *(sa.Column(c, _column_type(c)) for c in DEFINITION_COLUMNS),
)

settings_log = sa.Table(
    "settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("value", sa.Text, nullable=False),  # versioned JSON of Settings (settings.py)
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False, index=True),
    sa.Column("value", sa.Text, nullable=False),  # versioned JSON of Scenario (scenarios.py)
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

# The monthly cycle (issue 17). Each is a log: rows are added, never changed, except that an
# action is closed once. The newest note of a KPI-period is the one shown; the newest
# closure row of a period says whether it is closed.
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dept_key", sa.Text, nullable=False),
    sa.Column("department", sa.Text, nullable=False),  # as written
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("kpi_key", sa.Text, nullable=False),  # names.kpi_text_keys
    sa.Column("kpi", sa.Text, nullable=False),  # as written: the id, else the name
    sa.Column("cause", sa.Text, nullable=False),  # 原因分析
    sa.Column("measure", sa.Text, nullable=False),  # 改进措施
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("upload_id", sa.Integer),  # the upload whose 说明 column it came from
    sa.Index("ix_notes_key", "dept_key", "period"),
)

actions = sa.Table(
    "actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(16), nullable=False, index=True),  # the meeting's period
    sa.Column("dept_key", sa.Text),  # None: the whole organisation
    sa.Column("department", sa.Text),
    sa.Column("kpi_key", sa.Text),  # None: the department as a whole
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

closures = sa.Table(
    "closures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(16), nullable=False, index=True),
    sa.Column("closed", sa.Boolean, nullable=False),  # False: reopened
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("comment", sa.Text),
)

# The organisation tree (issue 18): the edges an upload states, as `core.schema.org_table`
# gives them; the tree shown takes each unit's edge from the newest upload that counts.
org_edge_rows = sa.Table(
    "org_edges",
    metadata,
    _upload_id(),
    _ordinal(),
    sa.Column("unit_key", sa.Text, nullable=False),  # names.department_key(unit)
    sa.Column("unit", sa.Text, nullable=False),  # as written
    sa.Column("parent", sa.Text, nullable=False),  # as written
    sa.Index("ix_org_edges_key", "unit_key"),
)
