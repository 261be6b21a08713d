"""Bytes in, cell grids out: the only module that opens workbooks.

python-calamine reads .xlsx/.xlsm/.xls/.ods (and their merged ranges) several times
faster than openpyxl, and refuses nothing openpyxl reads; CSV is decoded here. Every
check against hostile files (size, zip bombs, sheet and row counts) runs before the
cells are materialised, so a bad upload costs milliseconds and bounded memory.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from python_calamine import CalamineWorkbook

from . import messages
from .settings import DEFAULT_LIMITS, Limits

Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based)


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells as Python values; `cells[r][c]` is Excel row r+1, column c+1."""

    name: str
    cells: list[list[object]]
    merged: tuple[Merge, ...] = ()


class WorkbookError(ValueError):
    """A file that cannot be read as a workbook; `code` names the message (`messages`)."""

    def __init__(self, code: str, *, sheet: str | None = None, **params: object) -> None:
        super().__init__(messages.text(code, **params))
        self.code, self.sheet, self.params = code, sheet, params


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the OLE stream of an encrypted .xlsx
_MB = 1024 * 1024


def read_workbook(name: str, data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[Sheet]:
    """All sheets of one uploaded file. Raises WorkbookError with a user-facing message."""
    if len(data) > limits.max_file_bytes:
        raise WorkbookError(
            "file_too_big",
            size_mb=f"{len(data) / _MB:.1f}",
            limit_mb=f"{limits.max_file_bytes / _MB:.0f}",
        )
    if not data:
        raise WorkbookError("file_empty")
    suffix = PurePath(name).suffix.casefold()
    if data.startswith(_ZIP):
        _check_zip(data, limits)
        return _read_calamine(data, limits)
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise WorkbookError("file_encrypted")
        return _read_calamine(data, limits)
    if suffix in {".csv", ".txt", ".tsv"}:
        return [_read_csv(PurePath(name).stem, data, limits)]
    head = data[:8].decode("latin-1", "replace")
    raise WorkbookError("not_a_workbook", head=repr(head))


def _directory(data: bytes) -> list[zipfile.ZipInfo] | None:
    """The zip's central directory read straight from the bytes (fast path), or None to
    let `zipfile` parse it (zip64, comments, anything unusual)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        return None
    count, size, offset = struct.unpack_from("<HII", data, end + 10)
    if count == 0xFFFF or offset == 0xFFFFFFFF or offset + size > end:
        return None
    members, at = [], offset
    for _ in range(count):
        if data[at : at + 4] != b"PK\x01\x02":
            return None
        method, csize, usize, name_len, extra_len, comment_len = struct.unpack_from(
            "<H8xIIHHH", data, at + 10
        )
        if 0xFFFFFFFF in (csize, usize):
            return None
        info = zipfile.ZipInfo(data[at + 46 : at + 46 + name_len].decode("utf-8", "replace"))
        info.compress_type, info.compress_size, info.file_size = method, csize, usize
        members.append(info)
        at += 46 + name_len + extra_len + comment_len
    return members


def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        members = _directory(data)
        if members is None:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
        names = {m.filename for m in members}
        if not ({"xl/workbook.xml", "xl/workbook.bin", "content.xml"} & names):
            raise WorkbookError("zip_not_workbook")
        if len(members) > 10_000:
            raise WorkbookError("too_many_parts")
        declared = sum(m.file_size for m in members)
        if declared > limits.max_unzipped_bytes:
            raise _too_big(declared, limits)
        suspicious = [m.filename for m in members if _suspicious(m)]
        if suspicious:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in suspicious:
                    _measure(archive, archive.getinfo(name), limits)
    except (zipfile.BadZipFile, struct.error, EOFError) as exc:
        raise WorkbookError("file_damaged") from exc


def _suspicious(member: zipfile.ZipInfo) -> bool:
    """Deflate cannot shrink data a thousandfold, nor grow it: such headers may lie."""
    if member.compress_type == zipfile.ZIP_STORED:
        return member.file_size != member.compress_size
    return member.file_size > 200 * member.compress_size or (
        member.file_size + 1024 < member.compress_size
    )


def _measure(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    """Inflate one part in chunks and stop at the limit, whatever its header claims."""
    total = 0
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            total += len(chunk)
            if total > limits.max_unzipped_bytes:
                raise _too_big(total, limits)


def _too_big(size: int, limits: Limits) -> WorkbookError:
    return WorkbookError(
        "unzipped_too_big",
        size_mb=f"{size / _MB:.0f}",
        limit_mb=f"{limits.max_unzipped_bytes / _MB:.0f}",
    )


def _read_calamine(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        raise WorkbookError("unreadable", reason=str(exc)) from exc
    names = book.sheet_names
    if len(names) > limits.max_sheets:
        raise WorkbookError("too_many_sheets", sheets=len(names), limit=limits.max_sheets)
    sheets = []
    for name in names:
        sheet = book.get_sheet_by_name(name)
        rows, cols = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
        if rows > limits.max_rows or cols > limits.max_columns:
            raise WorkbookError(
                "sheet_too_big",
                sheet=name,
                rows=rows,
                columns=cols,
                max_rows=limits.max_rows,
                max_columns=limits.max_columns,
            )
        cells = sheet.to_python(skip_empty_area=False)
        merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ()))
        sheets.append(Sheet(name, cells, merged))
    return sheets


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (Excel on Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise WorkbookError("csv_encoding") from exc


def _read_csv(name: str, data: bytes, limits: Limits) -> Sheet:
    text = _decode(data)
    if "\x00" in text:
        raise WorkbookError("csv_binary")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[object]] = []
    for row in csv.reader(io.StringIO(text), dialect):
        if len(rows) >= limits.max_rows or len(row) > limits.max_columns:
            raise WorkbookError(
                "csv_too_big", max_rows=limits.max_rows, max_columns=limits.max_columns
            )
        rows.append(row)
    return Sheet(name, rows)
