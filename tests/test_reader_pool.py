"""A large batch is read and parsed by a pool of reader children, one per core; what they
send back is the same `Loaded` as parsing every file in the calling process, bad files,
warnings and order included."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_engine import Loaded, load_files
from kpi_engine.ingest import reader
from tests.test_hostile_bounds_2 import CORNER, far, panic
from tests.test_hostile_files import bomb
from tests.test_name_lengths import _sheet_xml
from tests.workbooks import form, xlsx

WIDE = [
    ["2026年 销售部 KPI"],
    ["部门", "维度", "指标名称", "方向", "权重", "目标值", "1月", "2月", "3月", "备注", "得分"],
    ["销售部", "财务", "营收", "越高越好", 2, 100, 100, 95, "N/A", "ok", 88],
    ["销售部", "客户", "满意度", "越高越好", 1, "90%", "90%", None, "#DIV/0!", None, 91],
]


def batch() -> list[tuple[str, bytes]]:
    """Good forms, a wide sheet with extras and an error cell, a hidden sheet, a CSV, a
    text longer than Excel allows (in rich-text runs, which calamine does not cut), and
    files refused for as many reasons (a value at XFD1048576, which a child reads without
    the grid scan and dies on): more files than the pool starts from."""
    files = [
        (f"{i:02d}.xlsx", xlsx(form([f"部门{i}", "财务", f"M{i}", "营收", "越高越好", 1, 100, i])))
        for i in range(reader._SHARED_FROM)
    ]
    files[3:3] = [
        ("wide.xlsx", xlsx(WIDE, more={"notes": [["just a note"]]})),
        ("hidden.xlsx", _hidden()),
        ("panic.xlsx", panic()),
        ("bomb.xlsx", bomb(300 * 1024 * 1024)),
        ("far.xlsx", far(CORNER)),
        ("long.xlsx", _sheet_xml(["<is>" + ("<r><t>" + "y" * 20_000 + "</t></r>") * 2 + "</is>"])),
        ("empty.xlsx", b""),
        ("text.xls", "部门,营收\n".encode()),
        (
            "table.csv",
            "期间,部门,指标名称,维度,方向,权重,目标值,实际值\n2026-10,市场部,营收,财务,越高越好,1,100,x\n".encode(),
        ),
        ("nothing.xlsx", xlsx([["no table here"]])),
        (
            "bad rows.xlsx",
            xlsx(form(["市场部", "财务", "M1", "营收", "越高越好", "heavy", 100, 90])),
        ),
    ]
    return files


def _hidden() -> bytes:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(
        BytesIO(xlsx(form(["财务部", "财务", "F1", "成本", "越低越好", 1, 10, 9])))
    )
    book.active.sheet_state = "hidden"
    book.create_sheet("cover")["A1"] = "cover"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def same(a: Loaded, b: Loaded) -> None:
    for frame in ("kpis", "definitions", "issues", "org"):
        pd.testing.assert_frame_equal(getattr(a, frame), getattr(b, frame))
    assert a.rows_rejected == b.rows_rejected


@pytest.mark.slow
def test_the_pool_and_the_calling_process_load_the_same():
    files = batch()
    here = load_files(files, workers=0)
    pooled = load_files(files)  # a child per core: this batch is large enough
    two = load_files(files, workers=2)
    same(here, pooled)
    same(here, two)
    codes = set(here.errors["code"])
    assert {"unreadable", "unzipped_too_big", "file_empty", "text_not_workbook"} <= codes
    assert {"no_kpi_table", "not_a_number", "excel_error", "sheet_too_big"} <= codes
    assert {"hidden_sheet", "sheet_skipped", "text_cut"} <= set(here.issues["code"])
    loaded = [name for name, _ in files if name in set(here.kpis["file"])]
    assert list(dict.fromkeys(here.kpis["file"])) == loaded  # in the batch's order
    assert {"wide.xlsx", "hidden.xlsx", "15.xlsx"} <= set(loaded)
    wide = here.kpis[here.kpis["file"] == "wide.xlsx"]
    assert sorted(wide["period"].unique()) == ["2026-01", "2026-02", "2026-03"]


def test_a_child_killed_in_the_pool_costs_its_file_only(monkeypatch):
    """Each child of the pool answers for its own share: one dying costs one file, and
    the rest of its share is read by a new child."""
    import contextlib
    import os
    import signal

    answer = reader._Child.next_result
    killed: list[int] = []

    def kill_first(child):
        if not killed:
            with contextlib.suppress(ProcessLookupError):  # it may have finished its share
                os.kill(child.pid, signal.SIGKILL)
            killed.append(child.pid)
        return answer(child)

    monkeypatch.setattr(reader._Child, "next_result", kill_first)
    files = [
        (f"{i:02d}.xlsx", xlsx(form([f"部门{i}", "财务", "M1", "营收", "越高越好", 1, 100, i])))
        for i in range(reader._SHARED_FROM + 2)
    ]
    loaded = load_files(files, workers=2)
    failed = loaded.errors
    assert list(failed["code"]) in ([], ["reader_failed"])  # the kill may land after the answer
    assert len(loaded.kpis) + len(failed) == len(files)
    assert list(loaded.kpis["file"]) == [n for n, _ in files if n not in set(failed["file"])]
