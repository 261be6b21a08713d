"""Stored history on the embedded SQLite store: round trip, versions, restore, duplicates,
delete and undo, settings and scenarios with who and when, schema migration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi_engine import DEFAULTS, load_files, store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core.schema import KPI_COLUMNS
from kpi_engine.core.settings import DATA_DIR_ENV
from kpi_engine.core.whatif import Scenario
from tests.paths import sample_files
from tests.store_files import monthly
from tests.workbooks import xlsx


def actuals(engine, department="市场部", period="2026-10") -> list[float]:
    kpis = store.current_kpis(engine)
    mine = kpis[(kpis["department"] == department) & (kpis["period"] == period)]
    return list(mine["actual"])


def recent(stamp) -> bool:
    return datetime.now(UTC) - timedelta(minutes=5) < stamp <= datetime.now(UTC)


# -- connecting and migrating -------------------------------------------------------------


def test_schema_is_created_in_an_empty_file_and_migrating_again_changes_nothing(tmp_path):
    engine = store.connect(data_dir=tmp_path)
    assert store.version(engine) == 0
    assert (tmp_path / store.SQLITE_FILE).exists()
    assert store.migrate(engine) == store.SCHEMA_VERSION
    tables = set(sa.inspect(engine).get_table_names())
    assert {"schema_version", "uploads", "kpi_rows", "coverage", "settings", "audit"} <= tables
    monthly().save(engine)
    assert store.migrate(engine) == store.SCHEMA_VERSION
    with engine.connect() as conn:
        applied = conn.execute(sa.select(store.schema.schema_version.c.version)).scalars().all()
    assert applied == list(range(1, store.SCHEMA_VERSION + 1))
    assert actuals(engine) == [90.0, 91.0, 92.0]  # data survives a re-run


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_data_dir_comes_from_the_environment_and_database_url_wins(tmp_path, monkeypatch):
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "kpi-data"))
    assert store.database_url().endswith(f"kpi-data/{store.SQLITE_FILE}")
    assert (tmp_path / "kpi-data").is_dir()
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv(store.DATABASE_URL_ENV, other)
    assert store.database_url() == other
    assert store.database_url("postgresql+psycopg://x/y") == "postgresql+psycopg://x/y"


@pytest.mark.slow
def test_first_start_stores_the_sample_company_once(tmp_path):
    def sample():
        named = list(sample_files())
        return named, load_files(named)

    engine = store.start(data_dir=tmp_path, sample=sample)
    expected = sample()[1]
    got = store.current_kpis(engine)
    order = ["file", "row", "period"]
    pd.testing.assert_frame_equal(
        got.sort_values(order).reset_index(drop=True),
        expected.kpis.sort_values(order).reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        store.definitions(engine), expected.definitions, check_dtype=False
    )
    uploads = len(store.history(engine))
    assert uploads == len(sample_files())
    engine.dispose()
    again = store.start(data_dir=tmp_path, sample=sample)  # a restart: no second copy
    assert len(store.history(again)) == uploads
    assert len(store.current_kpis(again)) == len(expected.kpis)


# -- uploads --------------------------------------------------------------------------------


def test_round_trip_gives_back_the_loaded_frame(engine):
    header = ["部门", "维度", "指标编号", "指标名称", "方向", "权重", "目标值", "实际值"]
    rows = [
        ["2026年10月 市场部 KPI 考核表"],
        [],
        [*header, "协同部门", "数据来源", "单位", "负责人"],
        [
            "市场部",
            "财务",
            "M-1",
            "营业收入",
            "越高越好",
            0.4,
            9000,
            8800,
            "销售部、财务部",
            "ERP",
            "万元",
            "王磊",
        ],
        ["市场部", "客户", "M-2", "客户满意度", "越高越好", 0.3, "90%", None, None, 3, "%", None],
        [
            "市场部",
            "内部流程",
            None,
            "投诉率",
            "越低越好",
            0.3,
            0.02,
            0.018,
            None,
            None,
            None,
            None,
        ],
    ]
    data = xlsx(rows, sheet="10月")
    loaded = load_files([("市场部.xlsx", data)])
    assert loaded.rows_accepted == 3
    result = store.save_upload(
        engine, name="市场部.xlsx", data=data, loaded=loaded, uploader=Actor("王磊", ADMIN)
    )
    assert result.status == store.STORED and result.versions == (("市场部", "2026-10", 1),)
    got = store.current_kpis(engine)
    assert list(got.columns) == list(KPI_COLUMNS)
    pd.testing.assert_frame_equal(got, loaded.kpis)
    assert got["shared_with"].iloc[0] == ("销售部", "财务部")
    assert got["extras"].iloc[0] == {"数据来源": "ERP"}
    assert pd.isna(got["actual"].iloc[1]) and got["kpi_id"].iloc[2] is None
    assert got["actual"].dtype == float and got["row"].dtype == "int64"


def partnered(department: str, source: str) -> tuple[str, bytes]:
    """A form whose two KPIs share the same partners and the same extra column value."""
    header = ["部门", "维度", "指标编号", "指标名称", "方向", "权重", "目标值", "实际值"]
    rows = [
        [f"2026年10月 {department} KPI 考核表"],
        [*header, "协同部门", "数据来源"],
        [department, "财务", "K-1", "营业收入", "越高越好", 1, 100, 90, "财务部", source],
        [department, "客户", "K-2", "客户满意度", "越高越好", 1, "90%", "85%", "财务部", source],
    ]
    return f"{department}.xlsx", xlsx(rows)


def test_rows_of_many_uploads_come_back_in_upload_order_each_with_its_own_extras(engine):
    files = [partnered("市场部", "ERP"), partnered("销售部", "CRM")]
    frames = []
    for name, data in files:
        loaded = load_files([(name, data)])
        store.save_upload(
            engine, name=name, data=data, loaded=loaded, uploader=Actor("王磊", ADMIN)
        )
        frames.append(loaded.kpis)
    got = store.current_kpis(engine)
    pd.testing.assert_frame_equal(got, pd.concat(frames, ignore_index=True))
    assert list(got["shared_with"]) == [("财务部",)] * 4
    got["extras"].iloc[0]["数据来源"] = "edited"  # one row's dict is that row's alone
    assert [e["数据来源"] for e in got["extras"]] == ["edited", "ERP", "CRM", "CRM"]
    assert store.current_kpis(engine)["extras"].iloc[0] == {"数据来源": "ERP"}


def test_an_empty_store_gives_an_empty_frame_with_the_kpi_columns_and_types(engine):
    got = store.current_kpis(engine)
    assert got.empty and list(got.columns) == list(KPI_COLUMNS)
    assert got["actual"].dtype == float and got["row"].dtype == "int64"
    assert got["department"].dtype == object


def test_history_records_who_sent_what_when_and_what_it_covers(engine):
    first = monthly("市场部", 10, n=3).save(engine, uploader=Actor("王磊", ADMIN))
    monthly("销售部", 11, n=2).save(engine, uploader=Actor("李娜", ADMIN))
    history = store.history(engine)
    assert list(history["upload_id"]) == [first.upload_id + 1, first.upload_id]
    latest = history.iloc[0]
    assert latest["name"] == "销售部_2026-11_90.xlsx" and latest["uploader"] == "李娜"
    assert latest["departments"] == ("销售部",) and latest["periods"] == ("2026-11",)
    assert (latest["rows_accepted"], latest["rows_rejected"]) == (2, 0)
    assert len(latest["sha256"]) == 64 and recent(latest["uploaded_at"])
    assert history["current"].all() and not history["deleted"].any()


def test_a_new_upload_of_a_period_is_a_new_version_and_earlier_ones_can_be_restored(engine):
    v1 = monthly(actual=90, n=3).save(engine)
    other = monthly("销售部", actual=50, n=1).save(engine)
    v2 = monthly(actual=70, n=2).save(engine, uploader=Actor("李娜", ADMIN))
    assert v2.status == store.STORED and v2.versions == (("市场部", "2026-10", 2),)
    assert v2.replaced == (v1.upload_id,)
    assert actuals(engine) == [70.0, 71.0]  # the whole period is the newest version
    assert actuals(engine, "销售部") == [50.0]
    versions = store.versions(engine, "市场部", "2026-10")
    assert list(versions["version"]) == [1, 2]
    assert list(versions["upload_id"]) == [v1.upload_id, v2.upload_id]
    assert list(versions["current"]) == [False, True]
    assert list(versions["uploader"]) == ["王磊", "李娜"] and list(versions["rows"]) == [3, 2]

    store.restore(engine, v1.upload_id, user=Actor("张伟", ADMIN))
    assert actuals(engine) == [90.0, 91.0, 92.0]
    assert list(store.versions(engine, "市场部", "2026-10")["current"]) == [True, False]
    assert actuals(engine, "销售部") == [50.0]
    assert store.history(engine).set_index("upload_id").loc[other.upload_id, "current"]
    log = store.audit_log(engine)
    assert (log.iloc[0]["user"], log.iloc[0]["action"]) == ("张伟", "restore")
    assert log.iloc[0]["upload_id"] == v1.upload_id and recent(log.iloc[0]["at"])


def test_the_same_file_again_changes_nothing_and_says_so(engine):
    upload = monthly()
    first = upload.save(engine)
    before = (store.current_kpis(engine), store.history(engine), store.audit_log(engine))
    again = upload.save(engine, uploader=Actor("李娜", ADMIN))
    assert again.status == store.DUPLICATE and not again.stored
    assert again.upload_id == first.upload_id and again.versions == first.versions
    pd.testing.assert_frame_equal(store.current_kpis(engine), before[0])
    pd.testing.assert_frame_equal(store.history(engine), before[1])
    pd.testing.assert_frame_equal(store.audit_log(engine), before[2])
    # once another version is shown, sending the first file again makes it newest again
    monthly(actual=10).save(engine)
    assert upload.save(engine).status == store.STORED
    assert actuals(engine) == [90.0, 91.0, 92.0]


def test_delete_shows_the_previous_version_and_undo_brings_it_back(engine):
    v1 = monthly(actual=90, n=1).save(engine)
    v2 = monthly(actual=70, n=1).save(engine)
    store.delete(engine, v2.upload_id, user=Actor("张伟", ADMIN))
    assert actuals(engine) == [90.0]
    row = store.history(engine).set_index("upload_id").loc[v2.upload_id]
    assert row["deleted"] and row["deleted_by"] == "张伟" and recent(row["deleted_at"])
    assert list(store.versions(engine, "市场部", "2026-10")["deleted"]) == [False, True]
    store.undo_delete(engine, v2.upload_id, user=Actor("张伟", ADMIN))
    assert actuals(engine) == [70.0]
    store.delete(engine, v1.upload_id, user=Actor("张伟", ADMIN))
    store.delete(engine, v2.upload_id, user=Actor("张伟", ADMIN))
    assert actuals(engine) == []  # no version left: the period is gone from what is shown
    assert [a for a in store.audit_log(engine)["action"]][:3] == ["delete", "delete", "undo_delete"]
    with pytest.raises(KeyError):
        store.delete(engine, 999, user=Actor("张伟", ADMIN))


def test_a_deleted_file_sent_again_is_stored_again(engine):
    upload = monthly()
    first = upload.save(engine)
    store.delete(engine, first.upload_id, user=Actor("王磊", ADMIN))
    again = upload.save(engine)
    assert again.status == store.STORED and again.upload_id != first.upload_id
    assert actuals(engine) == [90.0, 91.0, 92.0]


def test_definitions_are_stored_and_serve_later_actuals_only_uploads(engine):
    defs = xlsx(
        [
            ["部门", "维度", "指标编号", "指标名称", "方向", "权重", "目标值"],
            ["市场部", "财务", "M-1", "营业收入", "越高越好", 1, 100],
        ],
        sheet="指标定义",
    )
    loaded = load_files([("defs.xlsx", defs)])
    store.save_upload(
        engine, name="defs.xlsx", data=defs, loaded=loaded, uploader=Actor("王磊", ADMIN)
    )
    assert list(store.definitions(engine)["kpi_id"]) == ["M-1"]
    monthly_actuals = xlsx(
        [["部门", "指标编号", "期间", "实际值"], ["市场部", "M-1", "2026-10", 80]]
    )
    later = load_files([("a.xlsx", monthly_actuals)], definitions=store.definitions(engine))
    assert later.errors.empty and list(later.kpis["target"]) == [100.0]


# -- settings and scenarios ---------------------------------------------------------------------


def test_settings_are_stored_with_who_changed_them_and_when(engine):
    assert store.load_settings(engine) == DEFAULTS
    changed = DEFAULTS.with_(cap=150.0, department_weights={"市场部": 2.0})
    store.save_settings(engine, changed, user=Actor("张伟", ADMIN))
    store.save_settings(engine, changed.with_(amber_at=70.0), user=Actor("李娜", ADMIN))
    assert store.load_settings(engine) == changed.with_(amber_at=70.0)
    log = store.settings_history(engine)
    assert list(log["changed_by"]) == ["李娜", "张伟"]
    assert log.iloc[1]["settings"] == changed and recent(log.iloc[0]["changed_at"])


def test_saved_scenarios_come_back_equal_with_who_saved_them(engine):
    scenario = Scenario(
        name="客户优先",
        perspective_weights={
            "financial": 20,
            "customer": 40,
            "internal_process": 25,
            "learning_growth": 15,
        },
        department_weights={"市场部": 2},
        kpi_weights={("市场部", "M-1"): 0.5},
        kpi_targets={("市场部", "M-2"): 95.0},
        method="ahp",
    )
    store.save_scenario(engine, scenario, user=Actor("王磊", ADMIN))
    store.save_scenario(engine, Scenario(name="基线"), user=Actor("李娜", ADMIN))
    store.save_scenario(
        engine,
        scenario.__class__(name="客户优先", department_weights={"销售部": 3}),
        user=Actor("张伟", ADMIN),
    )
    saved = store.list_scenarios(engine).set_index("name")
    assert list(saved.index) == sorted(["客户优先", "基线"])
    assert saved.loc["基线", "scenario"] == Scenario(name="基线")
    assert saved.loc["客户优先", "scenario"].department_weights == {"销售部": 3.0}
    assert saved.loc["客户优先", "saved_by"] == "张伟" and recent(saved.loc["客户优先", "saved_at"])

    store.save_scenario(engine, scenario, user=Actor("王磊", ADMIN))
    assert store.list_scenarios(engine).set_index("name").loc["客户优先", "scenario"] == scenario
