"""Files that are not workbooks, corrupt, or built to exhaust memory end in a clear error."""

import io
import re
import sqlite3
import struct
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from kpi_engine import Limits, store
from kpi_engine.auth.roles import ADMIN, Actor
from tests.workbooks import form, load, xlsx
from tests.xls import xls

GOOD = xlsx(form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]))


def only_error(loaded, file: str) -> str:
    errors = loaded.issues[loaded.issues["severity"] == "error"]
    assert list(errors["file"]) == [file]
    return errors["message"].iloc[0]


def bomb(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)
    return out.getvalue()


def lying_sizes(data: bytes) -> bytes:
    """Rewrite every central-directory entry to claim 100 bytes uncompressed."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        out[at + 24 : at + 28] = struct.pack("<I", 100)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def replace_part(data: bytes, part: str, edit: Callable[[str], str]) -> bytes:
    """The workbook with one zip part's text rewritten by `edit`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                content = edit(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


def only_code(loaded, file: str) -> str:
    errors = loaded.issues[loaded.issues["severity"] == "error"]
    assert list(errors["file"]) == [file]
    return errors["code"].iloc[0]


def test_a_file_that_is_not_a_workbook():
    message = only_error(load(("report.xlsx", b"%PDF-1.7 not really")), "report.xlsx")
    assert "not an Excel workbook" in message


def test_a_truncated_workbook_is_reported_as_damaged():
    message = only_error(load(("cut.xlsx", GOOD[: len(GOOD) // 2])), "cut.xlsx")
    assert "damaged" in message or "cannot be read" in message


def test_an_empty_file():
    assert "empty" in only_error(load(("e.xlsx", b"")), "e.xlsx")


@pytest.mark.slow
def test_a_zip_bomb_past_the_default_limit_is_refused_before_reading():
    message = only_error(load(("bomb.xlsx", bomb(210 << 20))), "bomb.xlsx")
    assert "unzipped" in message and "200 MB" in message


def test_a_zip_bomb_that_lies_about_its_size_is_still_caught():
    loaded = load(
        ("liar.xlsx", lying_sizes(bomb(8 << 20))), limits=Limits(max_unzipped_bytes=1 << 20)
    )
    message = only_error(loaded, "liar.xlsx")
    assert "unzipped" in message or "damaged" in message


def test_a_file_over_the_size_limit():
    loaded = load(("big.xlsx", GOOD), limits=Limits(max_file_bytes=1000))
    assert "limit" in only_error(loaded, "big.xlsx")


def test_too_many_sheets():
    data = xlsx(form(), more={f"s{i}": [["x"]] for i in range(5)})
    loaded = load(("many.xlsx", data), limits=Limits(max_sheets=3))
    assert "sheets" in only_error(loaded, "many.xlsx")


def test_a_sheet_reaching_the_last_excel_row_is_refused_without_reading_it():
    book = Workbook()
    book.active.cell(row=1_048_576, column=1, value=1)
    out = io.BytesIO()
    book.save(out)
    message = only_error(load(("tall.xlsx", out.getvalue())), "tall.xlsx")
    assert "1048576 rows" in message


def test_a_password_protected_workbook():
    stream = "EncryptedPackage".encode("utf-16-le")
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000 + stream + b"\0" * 1000
    assert "password" in only_error(load(("secret.xlsx", fake)), "secret.xlsx")


def test_a_damaged_xls():
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000
    assert "cannot be read" in only_error(load(("old.xls", fake)), "old.xls")


def test_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not an Excel workbook" in only_error(load(("z.xlsx", out.getvalue())), "z.xlsx")


@pytest.mark.parametrize("bad", [b"%PDF", b""])
def test_good_files_in_the_same_batch_still_load(bad):
    loaded = load(("bad.xlsx", bad), ("good.xlsx", GOOD))
    assert list(loaded.kpis["file"]) == ["good.xlsx"]


# -- limits from the environment ---------------------------------------------------------


def test_limits_come_from_the_environment(monkeypatch):
    environ = {"KPI_MAX_FILE_MB": "5", "KPI_MAX_UNZIPPED_MB": "0.5", "KPI_MAX_ROWS": "2000"}
    limits = Limits.from_env(environ)
    assert (limits.max_file_bytes, limits.max_unzipped_bytes) == (5 << 20, 1 << 19)
    assert limits.max_rows == 2000 and limits.max_sheets == Limits().max_sheets
    assert Limits.from_env({}) == Limits()


@pytest.mark.parametrize("value", ["many", "0", "-3", "nan", "inf"])
def test_a_limit_that_is_not_a_positive_number_is_named(value):
    with pytest.raises(ValueError, match="KPI_MAX_SHEETS"):
        Limits.from_env({"KPI_MAX_SHEETS": value})


def test_loading_uses_the_limits_of_the_environment(monkeypatch):
    monkeypatch.setenv("KPI_MAX_SHEETS", "3")
    data = xlsx(form(), more={f"s{i}": [["x"]] for i in range(5)})
    assert only_code(load(("many.xlsx", data)), "many.xlsx") == "too_many_sheets"
    monkeypatch.setenv("KPI_MAX_CELLS", "20")
    assert only_code(load(("g.xlsx", GOOD)), "g.xlsx") == "too_many_cells"


# -- renamed files -----------------------------------------------------------------------


def office_document(main_part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
    return out.getvalue()


@pytest.mark.parametrize("part", ["word/document.xml", "ppt/presentation.xml"])
def test_a_word_or_powerpoint_file_renamed_xlsx(part):
    loaded = load(("report.xlsx", office_document(part)))
    assert only_code(loaded, "report.xlsx") == "document_not_workbook"
    assert "Word" in only_error(loaded, "report.xlsx")


def test_an_image_renamed_xlsx():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert only_code(load(("chart.xlsx", png)), "chart.xlsx") == "not_a_workbook"


def test_an_xlsx_renamed_csv_is_read_as_the_workbook_it_is():
    loaded = load(("kpi.csv", GOOD))
    assert loaded.errors.empty and loaded.rows_accepted == 1


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_renamed_xlsx_is_named_as_text(encoding):
    text = "部门,维度,指标名称,目标值,实际值\r\n市场部,财务,营收,100,90\r\n"
    loaded = load(("kpi.xlsx", text.encode(encoding)))
    assert only_code(loaded, "kpi.xlsx") == "text_not_workbook"
    assert "rename it to .csv" in only_error(loaded, "kpi.xlsx")


def test_a_web_page_saved_as_xls_is_not_taken_for_a_csv():
    page = b"<html><body><table><tr><td>KPI</td></tr></table></body></html>"
    assert only_code(load(("export.xls", page)), "export.xls") == "not_a_workbook"


# -- grids too large for memory ----------------------------------------------------------


def test_a_sheet_within_rows_and_columns_but_over_the_cell_limit():
    data = xlsx(form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90]))
    assert only_code(load(("g.xlsx", data), limits=Limits(max_cells=10)), "g.xlsx") == (
        "too_many_cells"
    )


def test_the_cell_limit_counts_every_sheet_of_the_workbook():
    data = xlsx(form(), more={f"s{i}": [["x"] * 10] * 10 for i in range(4)})
    loaded = load(("w.xlsx", data), limits=Limits(max_cells=300))
    assert only_code(loaded, "w.xlsx") == "too_many_cells"


def test_cells_far_apart_are_refused_before_the_grid_is_built():
    far = '<row r="90000"><c r="ZZ90000"><v>1</v></c></row></sheetData>'
    data = replace_part(GOOD, "xl/worksheets/sheet1.xml", lambda x: x.replace("</sheetData>", far))
    loaded = load(("far.xlsx", data))
    assert only_code(loaded, "far.xlsx") == "sheet_too_big"
    assert "90000 rows x 702 columns" in only_error(loaded, "far.xlsx")


@pytest.mark.slow
def test_a_wide_but_legal_sheet_still_loads():
    row = ["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90, *range(30)]
    header = [*form()[2], *(f"x{i}" for i in range(30))]
    loaded = load(("wide.xlsx", xlsx([["2026年10月 市场部"], [], header, row])))
    assert loaded.errors.empty and loaded.rows_accepted == 1


# -- macros, entities, passwords ---------------------------------------------------------

MACRO = b'Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\n Shell "calc.exe"\r\nEnd Sub'


def with_macro(data: bytes) -> bytes:
    """An .xlsm: the workbook plus a vbaProject.bin part (never run, never kept)."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + MACRO)
    return out.getvalue()


@pytest.mark.slow
def test_a_macro_workbook_loads_its_rows_and_nothing_of_the_macro_is_stored(tmp_path):
    data = with_macro(GOOD)
    loaded = load(("macro.xlsm", data))
    assert loaded.errors.empty and loaded.rows_accepted == 1
    engine = store.connect(data_dir=tmp_path)
    store.migrate(engine)
    assert store.save_upload(
        engine, name="macro.xlsm", data=data, loaded=loaded, uploader=Actor("t", ADMIN)
    ).stored
    engine.dispose()
    with sqlite3.connect(tmp_path / "kpi.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(FULL)")
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"AutoOpen" not in stored and b"calc.exe" not in stored and b"VB_Name" not in stored


def test_entities_are_never_expanded():
    doctype = '<!DOCTYPE x [<!ENTITY a "AAAA"><!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    # The KPI name's cell (D4) whichever way the writer spelled 营收: as is, or as character
    # references (openpyxl does when lxml is installed).
    name_cell = re.compile(r'(<c r="D4"[^>]*><is><t>)[^<]*(</t>)')

    def entities(xml: str) -> str:
        edited = name_cell.sub(r"\1&a;&xxe;\2", xml)
        assert edited != xml
        return doctype + edited

    data = replace_part(GOOD, "xl/worksheets/sheet1.xml", entities)
    loaded = load(("ent.xlsx", data))
    assert only_code(loaded, "ent.xlsx") == "unreadable"
    assert "root:" not in loaded.issues.to_json()


def test_an_encrypted_xls_is_named_as_password_protected():
    fake = xls({"市场部": [(0, 0, "部门")]}, encrypted=True)
    assert only_code(load(("old.xls", fake)), "old.xls") == "file_encrypted"
