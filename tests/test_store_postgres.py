"""The same store on PostgreSQL (`DATABASE_URL` in production). Runs when
`KPI_TEST_DATABASE_URL` names a server the tests may create databases on, e.g.
`postgresql+psycopg://postgres@/postgres?host=/tmp/pg&port=55432`; skipped otherwise.

The SQLite tests that take an `engine` run here again against a fresh database each (among
them: the migrations build exactly the live schema), plus a concurrency test with parallel
writer processes and a reader."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from benchmarks.instances import fresh_database
from kpi_engine import store
from tests.store_files import monthly
from tests.test_org_store import (  # noqa: F401
    test_a_hierarchy_only_upload_is_stored_and_read_back,
    test_a_pending_upload_places_its_department_only_for_those_who_see_it,
    test_delete_undo_and_restore_change_the_tree,
    test_the_latest_upload_wins_per_unit,
)
from tests.test_store_atomic import (  # noqa: F401  (collected again with this engine)
    test_a_failure_after_every_row_is_written_still_leaves_nothing,
    test_a_failure_in_the_middle_of_the_rows_leaves_earlier_data_as_it_was,
)
from tests.test_store_migrations import (  # noqa: F401
    test_the_migrations_build_exactly_the_live_schema,
)
from tests.test_store_sqlite import (  # noqa: F401
    test_a_deleted_file_sent_again_is_stored_again,
    test_a_new_upload_of_a_period_is_a_new_version_and_earlier_ones_can_be_restored,
    test_an_empty_store_gives_an_empty_frame_with_the_kpi_columns_and_types,
    test_definitions_are_stored_and_serve_later_actuals_only_uploads,
    test_delete_shows_the_previous_version_and_undo_brings_it_back,
    test_history_records_who_sent_what_when_and_what_it_covers,
    test_round_trip_gives_back_the_loaded_frame,
    test_rows_of_many_uploads_come_back_in_upload_order_each_with_its_own_extras,
    test_saved_scenarios_come_back_equal_with_who_saved_them,
    test_settings_are_stored_with_who_changed_them_and_when,
    test_the_same_file_again_changes_nothing_and_says_so,
)
from tests.test_stored_rows import (  # noqa: F401
    test_a_pending_upload_leaves_the_published_rows_as_they_were,
    test_any_other_change_reads_everything,
    test_new_uploads_are_put_in_place_of_their_department_months_only,
    test_rows_of_another_store_are_never_built_on,
)
from tests.test_stored_values_versioned import (  # noqa: F401
    test_a_scenario_with_fields_this_code_does_not_know_loads_without_them,
    test_a_scenario_without_fields_this_code_has_loads_with_their_defaults,
    test_saved_scenarios_carry_their_format_version,
    test_saved_settings_carry_their_format_version,
    test_scenarios_stored_before_versions_load,
    test_settings_stored_before_versions_load,
    test_settings_with_a_field_this_code_does_not_know_load_without_it,
    test_settings_without_a_field_this_code_has_load_with_its_default,
)

SERVER = os.environ.get("KPI_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not SERVER, reason="KPI_TEST_DATABASE_URL is not set")
FORK = multiprocessing.get_context("fork")


@pytest.fixture
def database_url():
    """A fresh, empty database on the test server, dropped afterwards."""
    assert SERVER is not None
    with fresh_database(SERVER) as url:
        yield url


@pytest.fixture
def engine(database_url, request):
    engine = store.connect(database_url)
    assert engine.dialect.name == "postgresql"
    store.migrate(engine)
    if "atomic" in request.node.name or "failure" in request.node.name:
        monthly("市场部", actual=90, n=5).save(engine)
        monthly("销售部", actual=50, n=2).save(engine)
    yield engine
    engine.dispose()


def test_migrating_postgres_twice_changes_nothing(engine):
    assert store.version(engine) == store.SCHEMA_VERSION
    assert store.migrate(engine) == store.SCHEMA_VERSION


def _writer(url, barrier, uploads, results) -> None:
    engine = store.connect(url)
    barrier.wait(30)
    for upload in uploads:
        results.put((upload.name, upload.save(engine).status))


def _reader(url, stop, observations) -> None:
    engine = store.connect(url)
    seen = []
    while not stop.is_set():
        seen.append(store.current_kpis(engine).groupby("file").size().to_dict())
    observations.put(seen)


def test_simultaneous_uploads_on_postgres_all_land_and_readers_see_whole_ones(database_url):
    store.migrate(store.connect(database_url))
    departments = ["市场部", "销售部", "财务部"]
    plans = [[monthly(d, actual=10 * (v + 1), n=4 + 3 * v) for v in range(3)] for d in departments]
    sizes = {u.name: u.loaded.rows_accepted for plan in plans for u in plan}
    barrier, results = FORK.Barrier(len(plans) + 1), FORK.Queue()
    stop, observations = FORK.Event(), FORK.Queue()
    reader = FORK.Process(target=_reader, args=(database_url, stop, observations))
    writers = [
        FORK.Process(target=_writer, args=(database_url, barrier, p, results)) for p in plans
    ]
    reader.start()
    for w in writers:
        w.start()
    barrier.wait(30)
    for w in writers:
        w.join(120)
    stop.set()
    seen = observations.get(timeout=60)
    reader.join(30)
    assert all(w.exitcode == 0 for w in writers) and reader.exitcode == 0
    landed = dict(results.get(timeout=5) for _ in range(len(sizes)))
    assert set(landed.values()) == {store.STORED} and len(landed) == len(sizes)
    final = store.current_kpis(store.connect(database_url)).groupby("file").size().to_dict()
    assert final == {plan[-1].name: sizes[plan[-1].name] for plan in plans}
    for counts in seen:
        assert all(sizes[name] == n for name, n in counts.items()), counts
