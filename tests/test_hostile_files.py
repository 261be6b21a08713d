"""Files that are not workbooks, corrupt, or built to exhaust memory end in a clear error."""

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from kpi_engine import Limits
from tests.workbooks import form, load, xlsx

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


def test_a_file_that_is_not_a_workbook():
    message = only_error(load(("report.xlsx", b"%PDF-1.7 not really")), "report.xlsx")
    assert "not an Excel workbook" in message


def test_a_truncated_workbook_is_reported_as_damaged():
    message = only_error(load(("cut.xlsx", GOOD[: len(GOOD) // 2])), "cut.xlsx")
    assert "damaged" in message or "cannot be read" in message


def test_an_empty_file():
    assert "empty" in only_error(load(("e.xlsx", b"")), "e.xlsx")


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
