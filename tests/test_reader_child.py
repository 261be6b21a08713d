"""Workbooks are read in a child process: when the child dies (killed, out of memory),
overruns its time, or the reader panics, that file is a file error, the other files of
the batch still load, and so does the next batch."""

from __future__ import annotations

import os
import signal
from functools import cache

import pytest

from kpi_engine import Limits, load_files
from kpi_engine.ingest import reader
from kpi_engine.ingest.workbook import WorkbookError, read_workbook
from tests.test_hostile_bounds_2 import CORNER, far, panic
from tests.test_hostile_files import GOOD, replace_part
from tests.workbooks import form, xlsx

CSV = (
    "期间,部门,指标名称,维度,方向,权重,目标值,实际值\n2026-10,市场部,营收,财务,越高越好,1,100,90\n"
)


@cache
def big() -> bytes:
    """A KPI sheet and a sheet of 400,000 distinct texts beside it (no table: skipped);
    built when a test first asks, not when the suite is collected."""
    return xlsx(
        form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]),
        more={"data": [[f"x{c}-{r}" for c in range(80)] for r in range(5_000)]},
    )


def codes(loaded, file: str) -> list[str]:
    issues = loaded.issues
    return list(issues.loc[(issues["file"] == file) & (issues["severity"] == "error"), "code"])


@pytest.mark.slow
def test_a_child_killed_while_reading_costs_its_file_only(monkeypatch):
    answer = reader._Child.next_result
    killed = []

    def kill_first(child):
        if not killed:  # the kernel's OOM killer, or an operator, ends the child
            os.kill(child.pid, signal.SIGKILL)
            killed.append(child.pid)
        return answer(child)

    monkeypatch.setattr(reader._Child, "next_result", kill_first)
    # big() takes the child a while to read: the kill lands before its answer.
    loaded = load_files([("a.xlsx", big()), ("b.xlsx", GOOD), ("c.csv", CSV.encode())])
    assert codes(loaded, "a.xlsx") == ["reader_failed"]
    assert sorted(loaded.kpis["file"]) == ["b.xlsx", "c.csv"]
    monkeypatch.undo()
    assert load_files([("d.xlsx", GOOD)]).rows_accepted == 1


@cache
def sparse() -> bytes:
    """A KPI sheet and a sheet of two values, at A1 and CV49000: a grid within the cell
    limit (4.9 million cells) that calamine allocates whole, 157 MB, from a 6 KB file."""
    data = xlsx(
        form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]), more={"data": [["x"]]}
    )
    far = '<row r="49000"><c r="CV49000"><v>1</v></c></row></sheetData>'
    return replace_part(data, "xl/worksheets/sheet2.xml", lambda x: x.replace("</sheetData>", far))


@pytest.mark.slow
def test_a_child_out_of_memory_is_a_file_error_and_the_next_load_works():
    tight = Limits(reader_memory_bytes=1 << 20)  # far less than that grid takes
    loaded = load_files([("sparse.xlsx", sparse()), ("c.csv", CSV.encode())], limits=tight)
    assert codes(loaded, "sparse.xlsx") == ["reader_failed"]
    assert list(loaded.kpis["file"]) == ["c.csv"]
    assert "1 MB" in loaded.errors["message"].iloc[0]
    again = load_files([("sparse.xlsx", sparse())])
    assert again.errors.empty and again.rows_accepted == 1


def test_a_child_over_its_time_is_a_file_error_and_the_next_file_loads():
    hurried = Limits(reader_seconds=0)  # no answer can come in time
    loaded = load_files([("a.xlsx", GOOD), ("c.csv", CSV.encode())], limits=hurried)
    assert codes(loaded, "a.xlsx") == ["reader_timeout"]
    assert list(loaded.kpis["file"]) == ["c.csv"]
    assert load_files([("a.xlsx", GOOD)]).rows_accepted == 1


def test_a_reader_panic_is_a_file_error_and_the_batch_loads():
    loaded = load_files([("panic.xlsx", panic()), ("good.xlsx", GOOD)])
    assert codes(loaded, "panic.xlsx") == ["unreadable"]
    assert list(loaded.kpis["file"]) == ["good.xlsx"]


def test_a_panic_is_caught_in_process_too(monkeypatch):
    """pyo3's PanicException derives from BaseException, not Exception."""
    from kpi_engine.ingest import workbook

    class PanicException(BaseException):
        pass

    class Panics:
        @staticmethod
        def from_filelike(_):
            raise PanicException("index out of bounds")

    monkeypatch.setattr(workbook, "CalamineWorkbook", Panics)
    with pytest.raises(WorkbookError) as refused:
        read_workbook("p.xlsx", GOOD)
    assert refused.value.code == "unreadable"


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_stopping_the_process_is_not_taken_for_a_bad_file(monkeypatch, stop):
    from kpi_engine.ingest import workbook

    class Stops:
        @staticmethod
        def from_filelike(_):
            raise stop

    monkeypatch.setattr(workbook, "CalamineWorkbook", Stops)
    with pytest.raises(stop):
        read_workbook("p.xlsx", GOOD)


@pytest.mark.slow
def test_a_grid_too_large_for_the_child_is_named_by_the_checks_it_skipped():
    """A child reads without the scan for a sheet's grid; a value at XFD1048576 kills it,
    and a new child runs the file's checks in full: the user reads `sheet_too_big` with
    the sheet, rows and columns, as when reading in process."""
    files = [("far.xlsx", far(CORNER)), ("b.xlsx", GOOD)]
    pooled, here = load_files(files), load_files(files, workers=0)
    assert codes(pooled, "far.xlsx") == codes(here, "far.xlsx") == ["sheet_too_big"]
    assert list(pooled.errors["message"]) == list(here.errors["message"])
    assert "1048576" in pooled.errors["message"].iloc[0]
    assert list(pooled.kpis["file"]) == ["b.xlsx"]


@pytest.mark.slow
def test_a_file_a_child_died_on_is_never_read_in_process(monkeypatch):
    """Without a new child to check it, the file a child died on is checked here but
    never read here (its read killed a child: it could kill the server)."""
    start = reader._Child.start
    read_here = []

    def no_second_child(files, limits, parse, checks=0):
        if checks:
            raise reader._Unavailable
        return start(files, limits, parse, checks)

    def recorded(name, *args):
        read_here.append(name)
        return reader_read_here(name, *args)

    reader_read_here = reader._read_here
    monkeypatch.setattr(reader._Child, "start", no_second_child)
    monkeypatch.setattr(reader, "_read_here", recorded)
    loaded = load_files([("far.xlsx", far(CORNER)), ("b.xlsx", GOOD)])
    assert codes(loaded, "far.xlsx") == ["sheet_too_big"]
    assert read_here == ["b.xlsx"]  # the rest of the batch, read here as no child can be had
    assert list(loaded.kpis["file"]) == ["b.xlsx"]


@pytest.mark.slow
def test_a_dead_helper_is_started_again():
    assert load_files([("a.xlsx", GOOD)]).rows_accepted == 1
    reader._HELPER.process.kill()
    reader._HELPER.process.wait()
    assert load_files([("b.xlsx", GOOD)]).rows_accepted == 1


@pytest.mark.slow
def test_a_large_batch_shared_by_two_children_keeps_its_order():
    files = [
        (f"{i:02d}.xlsx", xlsx(form([f"部门{i}", "财务", "M1", "营收", "越高越好", 1, 100, i])))
        for i in range(20)
    ]
    loaded = load_files(files)
    assert list(loaded.kpis["file"]) == [name for name, _ in files]
    assert list(loaded.kpis["actual"]) == list(map(float, range(20)))
