"""Stored history: uploads, their versions, settings and what-if scenarios (issue 5).

Plain functions over a SQLAlchemy Engine (Core, no ORM, no Streamlit); callers write
`from kpi_engine import store` and `store.start(...)`, `store.current_kpis(engine)`.

    schema       the live tables
    connection   connect, the database URL, SQLite's pragmas, read and write transactions
    migrations   the schema version and the migrations, each with its DDL frozen
    uploads      storing files' rows, what is shown, history, versions, restore, delete,
                 the organisation tree shown (`org_edges`)
    settings     the settings log          scenarios    saved what-if scenarios
    audit        the role check before a write, the log after it, revisions for caches
    closures     closing and reopening a period: a closed period's data does not change
    submissions  every upload of every department-period: the submission board's log
    actions      the actions agreed in the meeting: added, closed, listed
    review       approving or sending back a manager's pending upload
    notes        notes on KPIs (原因分析 / 改进措施), versioned, from the Scorecard or an upload
    snapshot     a copy of the published rows beside the store: a new process's head start
    codec        values to cells and back, the versioned JSON of settings and scenarios
    failures     failures of the machine (disk, database) as codes the app shows
"""

from kpi_engine.store.actions import ACTION_COLUMNS, actions, add_action, close_action
from kpi_engine.store.audit import (
    ACTION_ACTIONS,
    DATA_ACTIONS,
    NOTE_ACTIONS,
    PERIOD_ACTIONS,
    SCENARIO_ACTIONS,
    SETTINGS_ACTIONS,
    Refused,
    audit_log,
    latest,
    revision,
    revisions,
)
from kpi_engine.store.closures import close_period, closed_periods, reopen_period
from kpi_engine.store.connection import DATABASE_URL_ENV, SQLITE_FILE, connect, database_url
from kpi_engine.store.migrations import SCHEMA_VERSION, migrate, version
from kpi_engine.store.notes import note_history, notes, save_note
from kpi_engine.store.review import approve, pending, send_back
from kpi_engine.store.scenarios import delete_scenario, list_scenarios, save_scenario
from kpi_engine.store.settings import load_settings, save_settings, settings_history
from kpi_engine.store.snapshot import read_snapshot, snapshot_path, write_snapshot
from kpi_engine.store.submissions import submission_log
from kpi_engine.store.uploads import (
    DUPLICATE,
    EMPTY,
    HISTORY_COLUMNS,
    STORED,
    StoredRows,
    UploadResult,
    covered,
    current_kpis,
    definitions,
    delete,
    digest,
    history,
    org_edges,
    restore,
    save_upload,
    seed,
    shown_pending,
    shown_rows,
    start,
    stored_rows,
    undo_delete,
    versions,
)

__all__ = [
    "ACTION_ACTIONS",
    "ACTION_COLUMNS",
    "DATABASE_URL_ENV",
    "DATA_ACTIONS",
    "DUPLICATE",
    "EMPTY",
    "HISTORY_COLUMNS",
    "NOTE_ACTIONS",
    "PERIOD_ACTIONS",
    "SCENARIO_ACTIONS",
    "SCHEMA_VERSION",
    "SETTINGS_ACTIONS",
    "SQLITE_FILE",
    "STORED",
    "Refused",
    "StoredRows",
    "UploadResult",
    "actions",
    "add_action",
    "approve",
    "audit_log",
    "close_action",
    "close_period",
    "closed_periods",
    "connect",
    "covered",
    "current_kpis",
    "database_url",
    "definitions",
    "delete",
    "delete_scenario",
    "digest",
    "history",
    "latest",
    "list_scenarios",
    "load_settings",
    "migrate",
    "note_history",
    "notes",
    "org_edges",
    "pending",
    "read_snapshot",
    "reopen_period",
    "restore",
    "revision",
    "revisions",
    "save_note",
    "save_scenario",
    "save_settings",
    "save_upload",
    "seed",
    "send_back",
    "settings_history",
    "shown_pending",
    "shown_rows",
    "snapshot_path",
    "start",
    "stored_rows",
    "submission_log",
    "undo_delete",
    "version",
    "versions",
    "write_snapshot",
]
