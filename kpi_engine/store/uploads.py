"""Uploads and their versions: storing a file's rows, what is shown, history, restore,
delete and undo, and the sample company on first start.

    engine = start(sample=lambda: (files, load_files(files)))  # connect + migrate + the sample company once
    result = save_upload(engine, name=name, data=data, loaded=loaded, uploader=actor)
    frame = current_kpis(engine)               # newest version of each department x period

Model. Every accepted upload is a row of `uploads` with its KPI rows in `kpi_rows` and the
(department, period) pairs it covers in `coverage`. The version of a department's period
shown is the latest non-deleted upload covering it, "latest" meaning the highest `seq`:
a new upload takes the next number, and restoring an earlier version gives it the next
number again (so it becomes newest without copying its rows). Deleting marks the upload
deleted (undo clears the mark); nothing is ever overwritten, and `audit` says who did
what when. Each write is one transaction (`connection.writing`).

Approval (issue 17): with `Settings.approval_required`, a manager's upload is stored
`pending`; it is shown to its uploader and to those who may approve it (`may_review`) in
place of the published version, and to nobody else until approved (`review.approve`,
which gives it the next seq like a restore). A returned upload is shown to no one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpi_engine.auth import roles as access
from kpi_engine.auth.roles import Actor
from kpi_engine.core import names
from kpi_engine.core.names import unify
from kpi_engine.core.notes import NOTE_COLUMNS
from kpi_engine.core.schema import (
    DEFINITION_COLUMNS,
    KPI_COLUMNS,
    ORG_COLUMNS,
    PENDING,
    PUBLISHED,
    SAMPLE_UPLOADER,
    Loaded,
    definitions_table,
    org_table,
)
from kpi_engine.store import codec
from kpi_engine.store.audit import DATA_ACTIONS, Refused, allowed, record
from kpi_engine.store.closures import require_open
from kpi_engine.store.connection import connect, reading, writing
from kpi_engine.store.migrations import migrate
from kpi_engine.store.notes import from_upload as notes_from_upload
from kpi_engine.store.schema import (
    audit,
    counters,
    coverage,
    definition_rows,
    kpi_rows,
    org_edge_rows,
    uploads,
)
from kpi_engine.store.settings import load_settings

CHUNK_ROWS = 5_000  # rows per executemany

STORED = "stored"
DUPLICATE = "duplicate"
EMPTY = "empty"


@dataclass(frozen=True)
class UploadResult:
    """What storing an upload did. `versions`: (department, period, version number) for
    each department-period the upload covers (1 = first upload of that period)."""

    status: str  # STORED, DUPLICATE (the same file is already what is shown) or EMPTY
    upload_id: int | None
    versions: tuple[tuple[str, str, int], ...] = ()
    replaced: tuple[int, ...] = ()  # uploads that were the newest version before
    state: str = PUBLISHED  # PENDING: waits for approval, shown to its uploader and approvers

    @property
    def stored(self) -> bool:
        return self.status == STORED


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def one_data_change(conn: Connection) -> None:
    """Take the seq counter's row lock, as every upload does first (`_next_seq`): on
    PostgreSQL, changes of the data then commit one at a time, in the order of their audit
    ids, so a reader that sees one sees every earlier one (what `stored_rows` builds on).
    SQLite has one writer at a time anyway."""
    conn.execute(counters.update().where(counters.c.name == "seq").values(value=counters.c.value))


def _next_seq(conn: Connection) -> int:
    conn.execute(
        counters.update().where(counters.c.name == "seq").values(value=counters.c.value + 1)
    )
    return int(conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq")).scalar())


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


def _published() -> sa.ColumnElement[bool]:
    """Uploads shown to everyone: published ones (NULL: stored before approval existed)."""
    return sa.or_(uploads.c.state.is_(None), uploads.c.state == PUBLISHED)


def _of_keys(keys: Sequence[tuple[str, str]] | None) -> sa.ColumnElement[bool]:
    """Coverage rows of the departments and periods in `keys` (a superset of the pairs,
    by `ix_coverage_key`; None: all): an upload's own department-months, looked up
    without reading the whole history, so that storing one stays as fast at 18,000
    uploads as at 100. The exact pairs are picked afterwards (`_only`)."""
    if keys is None:
        return sa.true()
    return sa.and_(
        coverage.c.dept_key.in_(sorted({k for k, _ in keys})),
        coverage.c.period.in_(sorted({p for _, p in keys})),
    )


def _ranked(
    pending: Iterable[int] = (), keys: Sequence[tuple[str, str]] | None = None
) -> sa.Subquery:
    """Each (dept_key, period) (of `keys` and maybe more, `_of_keys`; None: all) with the
    non-deleted uploads covering it that are shown, `rn` 1 = newest: the published ones,
    and the pending uploads `pending` names (those a viewer sees, `shown_pending`)."""
    shown = _published()
    if pending:
        shown = sa.or_(shown, uploads.c.id.in_(sorted(pending)))
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
        .where(uploads.c.deleted_at.is_(None), shown, _of_keys(keys))
        .subquery()
    )


def _newest(
    conn: Connection, keys: Sequence[tuple[str, str]] | None = None, pending: Iterable[int] = ()
) -> pd.DataFrame:
    """The newest shown upload of each (dept_key, period) (optionally only `keys`;
    `pending` as in `_ranked`)."""
    ranked = _ranked(pending, keys)
    query = sa.select(ranked.c.dept_key, ranked.c.period, ranked.c.upload_id).where(
        ranked.c.rn == 1
    )
    rows = conn.execute(query).all()
    if keys is not None:
        wanted = set(keys)
        rows = [r for r in rows if (r.dept_key, r.period) in wanted]
    return pd.DataFrame(rows, columns=["dept_key", "period", "upload_id"])


def may_review(actor: Actor, departments: Iterable[str]) -> bool:
    """Whether `actor` may approve or send back an upload covering `departments`: the
    APPROVE permission and every department their own (an admin's are all)."""
    return actor.may(access.APPROVE) and all(actor.owns(d) for d in departments)


def shown_pending(engine: Engine, viewer: Actor | None) -> tuple[int, ...]:
    """The pending uploads `viewer` sees: those they uploaded and those they may review
    (`may_review`); none for nobody. What a cache of `current_kpis(viewer)` is keyed by."""
    if viewer is None:
        return ()
    with reading(engine) as conn:
        return _shown_pending(conn, viewer)


def _shown_pending(conn: Connection, viewer: Actor) -> tuple[int, ...]:
    query = (
        sa.select(uploads.c.id, uploads.c.uploader, uploads.c.departments)
        .where(uploads.c.state == PENDING, uploads.c.deleted_at.is_(None))
        .order_by(uploads.c.id)
    )
    return tuple(
        int(r.id)
        for r in conn.execute(query).all()
        if r.uploader == viewer.name or may_review(viewer, json.loads(r.departments))
    )


def save_upload(
    engine: Engine, *, name: str, data: bytes, loaded: Loaded, uploader: Actor
) -> UploadResult:
    """Store one file's accepted rows (and its definitions) as a new version of every
    department-period it covers, in one transaction. The same file again, while it is
    still the version its uploader sees everywhere it covers, changes nothing (DUPLICATE).
    A manager's upload waits for approval (PENDING) when the settings ask for it;
    everyone else's (an approver's, an admin's) is published at once.

    Raises `access.Forbidden` when the uploader may not upload, or (a manager) when any
    row or definition belongs to a department that is not theirs: nothing is stored."""
    uploader = allowed(uploader, access.UPLOAD)
    loaded = replace(loaded, definitions=_new_definitions(loaded.definitions, definitions(engine)))
    departments = pd.concat(
        [loaded.kpis["department"], loaded.definitions["department"], loaded.org["unit"]]
    )  # placing a department or unit in the tree is writing for it
    access.require_departments(uploader, departments.dropna().astype(str).unique())
    if uploader.role in access.DEPARTMENT_ROLES:
        access.require_known_partners(uploader, _partners(loaded.kpis), _known_keys(engine))
    review = uploader.role == access.MANAGER and load_settings(engine).approval_required
    with writing(engine) as conn:
        return _save(
            conn,
            name=name,
            data=data,
            loaded=loaded,
            uploader=uploader.name,
            state=PENDING if review else PUBLISHED,
            pending=_shown_pending(conn, uploader),
        )


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

    with reading(engine) as conn:
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
    conn: Connection,
    *,
    name: str,
    data: bytes,
    loaded: Loaded,
    uploader: str,
    state: str = PUBLISHED,
    pending: tuple[int, ...] = (),
) -> UploadResult:
    """`pending`: the pending uploads the uploader sees, so that sending a pending file
    again is a DUPLICATE for its uploader, and an approver's copy of it is published."""
    kpis, defs, org = loaded.kpis, loaded.definitions, loaded.org
    if kpis.empty and defs.empty and org.empty:
        return UploadResult(EMPTY, None, state=state)
    sha = digest(data)
    seq = _next_seq(conn)  # first: on PostgreSQL this row lock orders concurrent writers
    dept_keys = names.department_keys(kpis["department"]).tolist()
    cover = _coverage_of(kpis, dept_keys)
    require_open(conn, cover["period"])
    keys = list(zip(cover["dept_key"], cover["period"], strict=True))
    before = _newest(conn, keys)  # what everyone sees
    mine = pending if state == PENDING else ()  # what the uploader sees of what they send
    seen = _newest(conn, keys, mine)
    same = conn.execute(
        sa.select(uploads.c.id, uploads.c.state)
        .where(uploads.c.sha256 == sha, uploads.c.deleted_at.is_(None))
        .where(sa.or_(_published(), uploads.c.id.in_(mine)))
        .order_by(uploads.c.seq.desc())
    ).first()
    if same is not None and (not keys or (seen["upload_id"] == same.id).sum() == len(keys)):
        counts = _version_numbers(conn, keys, same.id)
        was = same.state or PUBLISHED
        return UploadResult(DUPLICATE, int(same.id), _versions(cover, counts), state=was)
    upload_id = _new_upload(
        conn,
        seq=seq,
        name=name,
        data=data,
        uploader=uploader,
        cover=cover,
        accepted=loaded.rows_accepted,
        rejected=loaded.rows_rejected,
        state=state,
    )
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
        _insert(conn, kpi_rows, codec.records(kpis, KPI_COLUMNS, upload_id, dept_key=dept_keys))
        notes_from_upload(conn, kpis, dept_keys, upload_id, uploader)  # its 说明 / 改进措施
    if not defs.empty:
        _insert(conn, definition_rows, codec.records(defs, DEFINITION_COLUMNS, upload_id))
    if not org.empty:
        _insert(conn, org_edge_rows, _edge_records(org, upload_id))
    replaced = () if state == PENDING else tuple(sorted({int(u) for u in before["upload_id"]}))
    counts = _version_numbers(conn, keys, upload_id)
    detail = {"name": name, "sha256": sha, "replaced": replaced, "state": state}
    record(conn, uploader, "upload", upload_id, detail)
    _inside_transaction(conn, "done")
    return UploadResult(STORED, int(upload_id), _versions(cover, counts), replaced, state)


def _new_upload(
    conn: Connection,
    *,
    seq: int,
    name: str,
    data: bytes,
    uploader: str,
    cover: pd.DataFrame,
    accepted: int,
    rejected: int,
    state: str,
) -> int:
    """The uploads row of a file covering `cover` (`_coverage_of`); its id."""
    return conn.execute(
        uploads.insert().values(
            seq=seq,
            name=name,
            sha256=digest(data),
            size=len(data),
            uploader=uploader,
            uploaded_at=codec.now(),
            departments=codec.to_json(sorted(set(cover["department"]))),
            periods=codec.to_json(sorted(set(cover["period"]))),
            rows_accepted=int(accepted),
            rows_rejected=int(rejected),
            state=state,
        )
    ).inserted_primary_key[0]


def _edge_records(org: pd.DataFrame, upload_id: int) -> list[dict[str, object]]:
    """An upload's tree edges as rows of `org_edges` (keyed like coverage's departments)."""
    edges = org_table(org)
    keys = names.department_keys(edges["unit"])
    return [
        {"upload_id": upload_id, "ordinal": i, "unit_key": k, "unit": str(u), "parent": str(p)}
        for i, (k, u, p) in enumerate(zip(keys, edges["unit"], edges["parent"], strict=True))
    ]


def _version_numbers(
    conn: Connection, keys: list[tuple[str, str]], upload_id: int
) -> dict[tuple[str, str], int]:
    """Version number of `upload_id` in each (dept_key, period): 1 + earlier uploads of it."""
    if not keys:
        return {}
    query = (
        sa.select(coverage.c.dept_key, coverage.c.period, sa.func.count().label("n"))
        .where(coverage.c.upload_id <= upload_id, _of_keys(keys))
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
    uploader: str = SAMPLE_UPLOADER,
) -> bool:
    """Store `files` (the sample company) once, when the store has never had an upload.
    All files are parsed together (so monthly forms find the definitions file; pass
    `loaded` when they are parsed already) and stored as one upload each, in one
    transaction: a file's rows are those `loaded` names it for, and a file without rows
    (the definitions) carries the definitions. Returns whether it stored them."""
    if _has_uploads(engine):
        return False
    with writing(engine) as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(uploads)).scalar():
            return False
        _save_new(conn, files, loaded, uploader)
    return True


def _save_new(
    conn: Connection, files: Sequence[tuple[str, bytes]], loaded: Loaded, uploader: str
) -> None:
    """`_save` of each of `files` in turn into a store without uploads, published, with the
    statements of all of them together: the sample company's 169 files are stored in well
    under a second instead of several (a first start's cold page, README "A hundred
    viewers"). What `_save` stores, this must store too: tests/test_store_seed.py compares
    every table of the two. The batch's tree (`Loaded.org`) goes with its first file, as
    `seed` gave it before (issue 18)."""
    order = {name: i for i, (name, _) in reversed(list(enumerate(files)))}  # first wins
    at = loaded.kpis["file"].map(order)
    kpis = loaded.kpis[at.notna().to_numpy(bool)].assign(_file=at.dropna().astype(int))
    kpis = kpis.sort_values("_file", kind="stable").reset_index(drop=True)
    upload_of = kpis.pop("_file").to_numpy()
    dept_keys = names.department_keys(kpis["department"])
    cover = (
        pd.DataFrame(
            {
                "file": upload_of,
                "dept_key": dept_keys.to_numpy(object),
                "period": kpis["period"].to_numpy(object),
                "department": kpis["department"].to_numpy(object),
            }
        )
        .groupby(["file", "dept_key", "period"], sort=True)["department"]
        .agg(department="first", rows="size")
        .reset_index()
    )
    require_open(conn, cover["period"])
    covers = dict(tuple(cover.groupby("file", sort=False)))
    errors = loaded.issues[loaded.issues["severity"] == "error"]["file"].value_counts()
    counts = np.bincount(upload_of, minlength=len(files))
    tree = not loaded.org.empty
    filled = sum(
        bool(n) or not loaded.definitions.empty or (i == 0 and tree) for i, n in enumerate(counts)
    )
    seq = _next_seqs(conn, filled)  # a duplicate takes its number too, as in `_save`
    newest: dict[tuple[str, str], int] = {}  # (dept_key, period) -> upload id shown
    latest: dict[str, int] = {}  # sha256 -> the newest upload of that content
    ids = np.zeros(len(files), dtype=np.int64)  # 0: not stored
    definition_records: list[dict] = []
    for i, (name, data) in enumerate(files):
        if not counts[i] and loaded.definitions.empty and not (i == 0 and tree):
            continue  # EMPTY
        sha, number = digest(data), next(seq)
        mine = covers.get(i, cover.iloc[0:0])
        keys = list(zip(mine["dept_key"], mine["period"], strict=True))
        shown = {newest.get(k) for k in keys}
        same = latest.get(sha)
        if same is not None and (not keys or shown == {same}):
            continue  # DUPLICATE: the same file is already the version shown
        upload_id = _new_upload(
            conn,
            seq=number,
            name=name,
            data=data,
            uploader=uploader,
            cover=mine,
            accepted=int(counts[i]),
            rejected=int(errors.get(name, 0)),
            state=PUBLISHED,
        )
        ids[i] = latest[sha] = upload_id
        if i == 0 and tree:
            _insert(conn, org_edge_rows, _edge_records(loaded.org, upload_id))
        if counts[i] and any(c in kpis.columns for c in NOTE_COLUMNS):
            rows = upload_of == i
            mine_keys = dept_keys[rows].tolist()
            notes_from_upload(conn, kpis[rows], mine_keys, upload_id, uploader)
        if not counts[i]:
            definition_records += codec.records(loaded.definitions, DEFINITION_COLUMNS, upload_id)
        replaced = tuple(sorted({u for u in shown if u is not None}))
        newest.update(dict.fromkeys(keys, upload_id))
        detail = {"name": name, "sha256": sha, "replaced": replaced, "state": PUBLISHED}
        record(conn, uploader, "upload", upload_id, detail)
    stored = cover[ids[cover["file"].to_numpy()] > 0]
    if len(stored):
        conn.execute(
            coverage.insert(),
            [
                {
                    "upload_id": int(ids[f]),
                    "dept_key": d,
                    "period": p,
                    "department": n,
                    "rows": int(r),
                }
                for f, d, p, n, r in stored.itertuples(index=False)
            ],
        )
    kept = ids[upload_of] > 0
    if kept.any():
        rows = kpis[kept].reset_index(drop=True)
        records = codec.records(rows, KPI_COLUMNS, 0, dept_key=dept_keys[kept].tolist())
        first = np.r_[0, np.flatnonzero(np.diff(upload_of[kept])) + 1]  # each file's first row
        ordinal = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
        for row, upload_id, n in zip(records, ids[upload_of[kept]], ordinal, strict=True):
            row["upload_id"], row["ordinal"] = int(upload_id), int(n)
        _insert(conn, kpi_rows, records)
    _insert(conn, definition_rows, definition_records)
    _inside_transaction(conn, "done")


def _next_seqs(conn: Connection, count: int) -> Iterator[int]:
    """`count` numbers of `_next_seq`, taken at once."""
    conn.execute(
        counters.update().where(counters.c.name == "seq").values(value=counters.c.value + count)
    )
    last = conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq")).scalar_one()
    return iter(range(last - count + 1, last + 1))


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
    with reading(engine) as conn:
        return bool(conn.execute(sa.select(sa.func.count()).select_from(uploads)).scalar())


def _insert(conn: Connection, table: sa.Table, records: list[dict]) -> None:
    """executemany in chunks: a round trip per chunk, never per row."""
    for start in range(0, len(records), CHUNK_ROWS):
        conn.execute(table.insert(), records[start : start + CHUNK_ROWS])
        _inside_transaction(conn, table.name)


def _inside_transaction(conn: Connection, stage: str) -> None:
    """A no-op called after each chunk is written; tests replace it to fail or sleep."""


# -- reading ------------------------------------------------------------------------------


def current_kpis(
    engine: Engine, viewer: Actor | None = None, *, pending: Iterable[int] | None = None
) -> pd.DataFrame:
    """The KPI rows shown: of each department x period, the newest published version's
    rows (`schema.KPI_COLUMNS`, ordered by upload then row order within it), each
    department under the name it was first stored with (`names.unify`). For `viewer`, the
    pending uploads they see (`shown_pending`) count as versions too; `pending` names
    those uploads instead (a cache keyed by them passes them rather than the viewer)."""
    with reading(engine) as conn:
        if pending is None:
            pending = () if viewer is None else _shown_pending(conn, viewer)
        return unify(_current(conn, pending), preferred=_first_names(conn))


@dataclass(frozen=True)
class StoredRows:
    """The published KPI rows as stored (`KPI_COLUMNS` and each row's `dept_key`), and the
    last data action they include (its audit id and time: a store put back from a copy
    could reach the same id with other rows): what a later state is worked out from.
    `whole`: read whole from the store just now (worth keeping a copy of: `snapshot`)."""

    rows: pd.DataFrame
    since: tuple[int, str]
    whole: bool = False


def stored_rows(engine: Engine, before: StoredRows | None = None) -> StoredRows:
    """The published KPI rows now, as `current_kpis` reads them before naming them
    (`shown_rows`). From `before`, when every data action since was an upload, only the
    department-periods the published ones cover are read again and take the place of
    theirs at the end (a new upload has the highest seq, so that is where a whole read
    puts them): at 500 departments a whole read is 1.8 M rows and half a minute, one
    upload's a hundred rows. A delete, restore, approval or return reads everything."""
    with reading(engine) as conn:
        last = _last_data_action(conn)  # first: rows read after may hold more, never less
        if before is not None and last == before.since:
            return before
        changes = None if before is None else _data_actions_after(conn, before.since)
        if before is None or changes is None or any(a != "upload" for a, _ in changes):
            return StoredRows(_current(conn, keyed=True), last, whole=True)
        published = sa.select(uploads.c.id).where(
            uploads.c.id.in_(sorted({int(u) for _, u in changes if u is not None})),
            _published(),
        )
        keys = [
            (str(k), str(p))
            for k, p in conn.execute(
                sa.select(coverage.c.dept_key, coverage.c.period)
                .where(coverage.c.upload_id.in_(published))
                .distinct()
            ).all()
        ]
        fresh = _current(conn, keys=keys, keyed=True) if keys else None
    pieces = _kept_runs(before.rows, _pairs_in(before.rows, keys))
    if fresh is not None and not fresh.empty:
        pieces.append(fresh)
    if not pieces:
        return StoredRows(before.rows.iloc[:0].reset_index(drop=True), last)
    return StoredRows(pd.concat(pieces, ignore_index=True), last)


def shown_rows(engine: Engine, stored: StoredRows) -> pd.DataFrame:
    """`current_kpis` (nobody's pending uploads) of rows read before (`stored_rows`)."""
    with reading(engine) as conn:
        preferred = _first_names(conn)
    return unify(stored.rows.drop(columns="dept_key"), preferred=preferred)


def _last_data_action(conn: Connection) -> tuple[int, str]:
    query = (
        sa.select(audit.c.id, audit.c.at)
        .where(audit.c.action.in_(DATA_ACTIONS))
        .order_by(audit.c.id.desc())
        .limit(1)
    )
    found = conn.execute(query).first()
    return (0, "") if found is None else (int(found.id), str(found.at))


def _data_actions_after(
    conn: Connection, since: tuple[int, str]
) -> list[tuple[str, int | None]] | None:
    """The data actions after `since`, None when `since` is not in this store as it was
    (the store was put back from an older copy, or is another one)."""
    number, at = since
    if number:
        then = conn.execute(sa.select(audit.c.at).where(audit.c.id == number)).scalar()
        if then is None or str(then) != at:
            return None
    query = sa.select(audit.c.action, audit.c.upload_id).where(
        audit.c.id > number, audit.c.action.in_(DATA_ACTIONS)
    )
    return [(str(a), u) for a, u in conn.execute(query).all()]


def _kept_runs(rows: pd.DataFrame, dropped: np.ndarray) -> list[pd.DataFrame]:
    """`rows` without the `dropped` ones as the runs of rows between them, slices of
    `rows` (no copy): one concat then copies them once, not a boolean take first (1.8 M
    rows of Python objects at 500 units, and an upload's rows lie in one or two runs)."""
    edges = np.diff(np.r_[0, (~dropped).astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [rows.iloc[a:b] for a, b in zip(starts, ends, strict=True)]


def _pairs_in(rows: pd.DataFrame, keys: Sequence[tuple[str, str]]) -> np.ndarray:
    """Which `rows` (with `dept_key` and `period`) are of the department-periods `keys`;
    the periods first, so that only those few months' rows are paired."""
    found = np.zeros(len(rows), dtype=bool)
    if not keys:
        return found
    month = rows["period"].isin({p for _, p in keys}).to_numpy(bool)
    pairs = pd.MultiIndex.from_arrays([rows["dept_key"][month], rows["period"][month]])
    found[month] = pairs.isin(keys)
    return found


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


def _current(
    conn: Connection,
    pending: Iterable[int] = (),
    *,
    keys: Sequence[tuple[str, str]] | None = None,
    keyed: bool = False,
) -> pd.DataFrame:
    """The shown rows (of the department-periods `keys` only, when given; with each row's
    `dept_key` when `keyed`), ordered by upload then row."""
    ranked = _ranked(pending, keys)
    columns = [*KPI_COLUMNS, "dept_key"] if keyed or keys is not None else list(KPI_COLUMNS)
    query = (
        sa.select(*(kpi_rows.c[c] for c in columns))
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
    found = codec.frame(conn.execute(query).all(), columns)
    if keys is not None:  # `_ranked` of keys is a superset of the pairs
        found = found[_pairs_in(found, keys)].reset_index(drop=True)
        if not keyed:
            found = found.drop(columns="dept_key")
    return found


def definitions(engine: Engine) -> pd.DataFrame:
    """KPI definitions of every non-deleted published upload, newer uploads winning, one
    per KPI (a pending upload's definitions count once it is approved)."""
    columns = list(DEFINITION_COLUMNS)
    query = (
        sa.select(*(definition_rows.c[c] for c in columns))
        .join(uploads, uploads.c.id == definition_rows.c.upload_id)
        .where(uploads.c.deleted_at.is_(None), _published())
        .order_by(uploads.c.seq, definition_rows.c.ordinal)
    )
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    return definitions_table(codec.frame(rows, columns))


def org_edges(engine: Engine, *, pending: Iterable[int] = ()) -> pd.DataFrame:
    """The organisation tree shown (`core.schema.ORG_COLUMNS`: unit, parent): each unit's
    edge from the newest upload that counts and states one (highest seq: a restore
    makes an upload newest again), as definitions count: published and not deleted,
    and the pending uploads `pending` names (those a viewer sees, `shown_pending`).
    Each node is named as first stored (a department as `current_kpis` names it).
    Empty when no upload states a tree."""
    counted = _published()
    if pending:
        counted = sa.or_(counted, uploads.c.id.in_(sorted(pending)))
    ranked = (
        sa.select(
            org_edge_rows.c.unit,
            org_edge_rows.c.parent,
            uploads.c.seq,
            org_edge_rows.c.ordinal,
            sa.func.row_number()
            .over(
                partition_by=org_edge_rows.c.unit_key,
                order_by=(uploads.c.seq.desc(), org_edge_rows.c.ordinal.desc()),
            )
            .label("rn"),
        )
        .join(uploads, uploads.c.id == org_edge_rows.c.upload_id)
        .where(uploads.c.deleted_at.is_(None), counted)
        .subquery()
    )
    query = (
        sa.select(ranked.c.unit, ranked.c.parent)
        .where(ranked.c.rn == 1)
        .order_by(ranked.c.seq, ranked.c.ordinal)
    )
    first = sa.select(org_edge_rows.c.unit).order_by(
        org_edge_rows.c.upload_id, org_edge_rows.c.ordinal
    )
    with reading(engine) as conn:
        rows = conn.execute(query).all()
        # one spelling per node, as `current_kpis` names departments: the first stored
        shown = names.display_names(conn.execute(first).scalars(), preferred=_first_names(conn))
    edges = pd.DataFrame(rows, columns=list(ORG_COLUMNS), dtype=object)
    for column in ORG_COLUMNS:
        edges[column] = [shown.get(names.department_key(n), n) for n in edges[column]]
    return org_table(edges)


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
    "state",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
)


def history(engine: Engine) -> pd.DataFrame:
    """Every upload, newest first: who sent which file when, what it covers, rows accepted
    and rejected, whether it is deleted, whether it is the version shown to everyone
    anywhere (`current`), its approval state (`schema.UPLOAD_STATES`) and its review."""
    with reading(engine) as conn:
        rows = conn.execute(sa.select(uploads).order_by(uploads.c.id.desc())).mappings().all()
        shown = set(_newest(conn)["upload_id"])
    records = [
        {
            "upload_id": r["id"],
            "name": r["name"],
            "sha256": r["sha256"],
            "size": r["size"],
            "uploader": r["uploader"],
            "uploaded_at": codec.utc(r["uploaded_at"]),
            "departments": tuple(json.loads(r["departments"])),
            "periods": tuple(json.loads(r["periods"])),
            "rows_accepted": r["rows_accepted"],
            "rows_rejected": r["rows_rejected"],
            "deleted": r["deleted_at"] is not None,
            "deleted_by": r["deleted_by"],
            "deleted_at": codec.utc(r["deleted_at"]),
            "current": r["id"] in shown,
            "state": r["state"] or PUBLISHED,
            "reviewed_by": r["reviewed_by"],
            "reviewed_at": codec.utc(r["reviewed_at"]),
            "review_comment": r["review_comment"],
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
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["department", "period", "versions"])


def versions(engine: Engine, department: str, period: str) -> pd.DataFrame:
    """Every upload of a department's period, oldest first, numbered from 1; `current`
    marks the one shown to everyone (the newest non-deleted published by seq, which a
    restore or an approval moves); `state` is its approval state."""
    key = names.department_key(department)
    query = (
        sa.select(
            uploads.c.id,
            uploads.c.name,
            uploads.c.uploader,
            uploads.c.uploaded_at,
            coverage.c.rows,
            uploads.c.deleted_at,
            uploads.c.state,
        )
        .join(coverage, coverage.c.upload_id == uploads.c.id)
        .where(coverage.c.dept_key == key, coverage.c.period == period)
        .order_by(uploads.c.id)
    )
    with reading(engine) as conn:
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
                "uploaded_at": codec.utc(r.uploaded_at),
                "rows": r.rows,
                "deleted": r.deleted_at is not None,
                "current": r.id == shown,
                "state": r.state or PUBLISHED,
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
            "state",
        ],
    )


# -- changing what is shown -----------------------------------------------------------------


def _get_upload(conn: Connection, upload_id: int) -> Any:
    found = conn.execute(sa.select(uploads).where(uploads.c.id == upload_id)).first()
    if found is None:
        raise KeyError(f"no upload {upload_id}")
    return found


def restore(engine: Engine, upload_id: int, *, user: Actor) -> None:
    """Make an earlier upload the version shown again for everything it covers (and bring
    it back if it was deleted). Refused for an upload that is pending or was sent back."""
    _change_upload(engine, upload_id, user, access.RESTORE, "restore", next_seq=True)


def delete(engine: Engine, upload_id: int, *, user: Actor) -> None:
    """Hide an upload: the previous version of what it covers is shown again. Undoable.
    Raises Refused when it is deleted already (its deletion keeps its time and user)."""
    _change_upload(
        engine,
        upload_id,
        user,
        access.DELETE,
        "delete",
        deleted_at=codec.now(),
        deleted_by=user.name,
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
    user = allowed(user, permission)
    with writing(engine) as conn:
        one_data_change(conn)
        found = _get_upload(conn, upload_id)
        require_open(conn, json.loads(found.periods))
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
        if action == "restore" and (found.state or PUBLISHED) != PUBLISHED:
            raise Refused(  # a restore shows it to everyone: approval is the way for that
                "not_published",
                f"{found.name} was never approved: it cannot be shown by a restore",
                file=found.name,
            )
        values = {"deleted_at": deleted_at, "deleted_by": deleted_by}
        if next_seq:
            values["seq"] = _next_seq(conn)
        conn.execute(uploads.update().where(uploads.c.id == upload_id).values(**values))
        record(conn, user.name, action, upload_id, None)
