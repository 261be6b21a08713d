"""Migrations cannot drift from the code: they build exactly the live schema (here on SQLite,
in test_store_postgres.py on PostgreSQL), and a store made by earlier code opens with its
uploads, versions, settings and scenarios as they were."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_engine import DEFAULTS, store
from tests.fixtures.make_store_dump import ADMIN_USER, SCENARIO, SETTINGS
from tests.store_files import fresh_store, monthly

# A store made by the code at commit 31e2c00 (schema version 1), before the store was
# split into modules and settings and scenarios carried a format version; written by
# tests/fixtures/make_store_dump.py.
STORE_V1 = Path(__file__).parent / "fixtures" / "store_v1.sql"


def shape(engine: Engine) -> dict[str, dict]:
    """Every table as the database describes it: columns (type, nullability, default),
    primary key, foreign keys, indexes."""
    inspector = sa.inspect(engine)

    def described(items: list[dict]) -> list[dict]:
        return sorted(({k: str(v) for k, v in i.items()} for i in items), key=repr)

    return {
        table: {
            "columns": described(inspector.get_columns(table)),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": described(inspector.get_foreign_keys(table)),
            "indexes": described(inspector.get_indexes(table)),
        }
        for table in sorted(inspector.get_table_names())
    }


def rebuilt_from_the_live_schema(engine: Engine) -> None:
    """Drop every table the database has, then create the live schema's tables."""
    found = sa.MetaData()
    found.reflect(engine)
    found.drop_all(engine)
    assert sa.inspect(engine).get_table_names() == []
    store.schema.metadata.create_all(engine)


def test_the_migrations_build_exactly_the_live_schema(engine):
    migrated = shape(engine)
    assert set(migrated) == set(store.schema.metadata.tables)
    rebuilt_from_the_live_schema(engine)
    assert shape(engine) == migrated


@pytest.fixture
def store_v1(tmp_path) -> Path:
    """A data directory holding the store made at commit 31e2c00."""
    directory = tmp_path / "data"
    directory.mkdir()
    with closing(sqlite3.connect(directory / store.SQLITE_FILE)) as conn:
        conn.executescript(STORE_V1.read_text(encoding="utf-8"))
    return directory


def test_a_store_made_by_earlier_code_has_the_schema_the_migrations_build(store_v1, tmp_path):
    old = store.start(data_dir=store_v1)
    new = fresh_store(tmp_path / "new")
    assert store.version(old) == store.SCHEMA_VERSION == 4
    assert shape(old) == shape(new)


def test_a_store_made_by_earlier_code_opens_with_everything_it_held(store_v1):
    engine = store.start(data_dir=store_v1)
    kpis = store.current_kpis(engine)
    assert kpis.groupby(["department", "period"]).size().to_dict() == {
        ("人力资源部", "2024-11"): 9,
        ("市场部", "2026-10"): 3,
    }
    marketing = kpis[kpis["department"] == "市场部"]
    assert list(marketing["actual"]) == [71.0, 72.0, 73.0]  # the second version is shown
    hr = kpis[kpis["department"] == "人力资源部"].set_index("kpi_id")
    assert hr.loc["HR-07", "shared_with"] == ("技术部", "生产部")
    assert hr.loc["HR-01", "shared_with"] == () and hr.loc["HR-01", "actual"] == 1195.0
    # rows stored before SPEC §5.6-§5.8 read as plain KPIs of their perspective
    assert not kpis["veto"].any() and kpis["section"].isna().all() and kpis["rule"].isna().all()
    assert kpis["full_points"].isna().all()
    assert len(store.definitions(engine)) == 63

    history = store.history(engine)
    assert list(history["upload_id"]) == [4, 3, 2, 1]
    assert list(history["current"]) == [True, False, True, False]
    assert history["uploader"].eq("王磊").all() and history["uploaded_at"].notna().all()
    versions = store.versions(engine, "市场部", "2026-10")
    assert list(versions["upload_id"]) == [3, 4] and list(versions["current"]) == [False, True]

    assert store.load_settings(engine) == SETTINGS
    assert list(store.list_scenarios(engine)["scenario"]) == [SCENARIO]
    assert list(store.audit_log(engine)["action"]) == ["scenario", "settings", *["upload"] * 4]


def test_a_store_made_by_earlier_code_takes_new_writes(store_v1):
    engine = store.start(data_dir=store_v1)
    store.restore(engine, 3, user=ADMIN_USER)  # the first version of 市场部's month again
    marketing = store.current_kpis(engine).query("department == '市场部'")
    assert list(marketing["actual"]) == [91.0, 92.0, 93.0]
    result = monthly("市场部", month=10, actual=50).save(engine)
    assert result.stored and result.versions == (("市场部", "2026-10", 3),)
    assert result.upload_id == 5 and result.replaced == (3,)
    store.save_settings(engine, DEFAULTS, user=ADMIN_USER)
    assert store.load_settings(engine) == DEFAULTS
    pd.testing.assert_series_equal(
        store.settings_history(engine)["changed_by"], pd.Series(["王磊", "王磊"], name="changed_by")
    )
