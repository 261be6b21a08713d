"""The sample company is stored on first start with the statements of all its files
together (`store.seed`, for a fast cold start): every table holds what storing the files
one by one through `_save`, the path of every other upload, holds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_engine import Loaded, load_files, store
from kpi_engine.core.schema import SAMPLE_UPLOADER
from kpi_engine.store import uploads
from kpi_engine.store.connection import writing
from kpi_engine.store.schema import metadata
from tests.paths import sample_files
from tests.store_files import fresh_store, monthly

TIMES = {"uploaded_at", "at", "written_at", "changed_at", "closed_at", "decided_at"}


def one_by_one(engine: Engine, files: list[tuple[str, bytes]], loaded: Loaded) -> None:
    """What `seed` did before: each file's rows, then `_save`, in one transaction."""
    with writing(engine) as conn:
        for name, data in files:
            mine = loaded.kpis[loaded.kpis["file"] == name].reset_index(drop=True)
            issues = loaded.issues[loaded.issues["file"] == name]
            rejected = int((issues["severity"] == "error").sum()) if len(issues) else 0
            defs = loaded.definitions.iloc[0:0] if len(mine) else loaded.definitions
            uploads._save(
                conn,
                name=name,
                data=data,
                loaded=Loaded(mine, defs, issues, rejected),
                uploader=SAMPLE_UPLOADER,
            )


def tables(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table's rows, times left out (they differ by when each store was written)."""
    found = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = pd.DataFrame(conn.execute(sa.select(table)).mappings().all())
            kept = [c for c in rows.columns if c not in TIMES and not c.endswith("_at")]
            found[table.name] = rows[kept].astype(str).sort_values(kept).reset_index(drop=True)
    return found


def loads(files: list[tuple[str, bytes]]) -> Loaded:
    """Each file parsed alone, the parses put together: unlike one batch, which keeps one
    file's rows of a department-month, this keeps every file's, as uploads one by one do."""
    parts = [load_files([file]) for file in files]
    return Loaded(
        pd.concat([p.kpis for p in parts], ignore_index=True),
        parts[0].definitions.iloc[0:0],
        pd.concat([p.issues for p in parts], ignore_index=True),
        sum(p.rows_rejected for p in parts),
    )


def test_seeding_stores_what_storing_each_file_in_turn_stores(tmp_path: Path):
    sample = list(sample_files()[:31])  # the definitions and 30 monthly forms
    seeded, reference = fresh_store(tmp_path / "seeded"), fresh_store(tmp_path / "reference")
    loaded = load_files(sample)

    assert store.seed(seeded, sample, loaded=loaded)
    one_by_one(reference, sample, loaded)

    got = tables(seeded)
    assert len(got["uploads"]) == 31 and len(got["kpi_rows"]) == len(loaded.kpis)
    for name, frame in tables(reference).items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    assert not store.seed(seeded, sample, loaded=loaded)  # once only


def test_versions_and_duplicates_in_a_seed_are_stored_as_one_by_one(tmp_path: Path):
    first, second = monthly(actual=90.0), monthly(actual=70.0)  # 市场部, 2026-10
    files = [
        (first.name, first.data),
        (second.name, second.data),  # a new version: replaces the first
        ("copy.xlsx", second.data),  # the version shown again: a duplicate, not stored
        ("first again.xlsx", first.data),  # the first again: a new version once more
    ]
    seeded, reference = fresh_store(tmp_path / "seeded"), fresh_store(tmp_path / "reference")
    loaded = loads(files)

    store.seed(seeded, files, loaded=loaded)
    one_by_one(reference, files, loaded)

    got = tables(seeded)
    assert list(got["uploads"]["name"]) == [first.name, second.name, "first again.xlsx"]
    replaced = (
        store.audit_log(seeded).sort_values("upload_id")["detail"].map(lambda d: d["replaced"])
    )
    assert [list(r) for r in replaced] == [[], [1], [2]]
    for name, frame in tables(reference).items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
