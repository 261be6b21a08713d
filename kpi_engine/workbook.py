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

from .settings import DEFAULT_LIMITS, Limits

Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based)


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells as Python values; `cells[r][c]` is Excel row r+1, column c+1."""

    name: str
    cells: list[list[object]]
    merged: tuple[Merge, ...] = ()


class WorkbookError(ValueError):
    """A file that cannot be read as a workbook; the message says what to do."""

    def __init__(self, message: str, *, sheet: str | None = None) -> None:
        super().__init__(message)
        self.sheet = sheet


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the OLE stream of an encrypted .xlsx
_MB = 1024 * 1024


def read_workbook(name: str, data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[Sheet]:
    """All sheets of one uploaded file. Raises WorkbookError with a user-facing message."""
    if len(data) > limits.max_file_bytes:
        raise WorkbookError(
            f"file is {len(data) / _MB:.1f} MB, over the {limits.max_file_bytes / _MB:.0f} MB "
            "limit: split it into smaller workbooks (one per department or month)"
        )
    if not data:
        raise WorkbookError("file is empty: export the sheet again from Excel")
    suffix = PurePath(name).suffix.casefold()
    if data.startswith(_ZIP):
        _check_zip(data, limits)
        return _read_calamine(data, limits)
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise WorkbookError(
                "workbook is password-protected: remove the password (File > Info > "
                "Protect Workbook > Encrypt with Password), save and upload again"
            )
        return _read_calamine(data, limits)
    if suffix in {".csv", ".txt", ".tsv"}:
        return [_read_csv(PurePath(name).stem, data, limits)]
    head = data[:8].decode("latin-1", "replace")
    raise WorkbookError(
        f"not an Excel workbook (it starts with {head!r}): save it from Excel as .xlsx, "
        ".xlsm, .xls or .csv and upload again"
    )


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
            raise WorkbookError("a zip file but not an Excel workbook: save it from Excel as .xlsx")
        if len(members) > 10_000:
            raise WorkbookError("workbook holds too many parts: save it again from Excel")
        declared = sum(m.file_size for m in members)
        if declared > limits.max_unzipped_bytes:
            raise _too_big(declared, limits)
        suspicious = [m.filename for m in members if _suspicious(m)]
        if suspicious:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in suspicious:
                    _measure(archive, archive.getinfo(name), limits)
    except (zipfile.BadZipFile, struct.error, EOFError) as exc:
        raise WorkbookError(
            "file is damaged (not a readable .xlsx zip): open it in Excel, save a new copy "
            "and upload that"
        ) from exc


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
        f"workbook expands to more than {size / _MB:.0f} MB when unzipped (limit "
        f"{limits.max_unzipped_bytes / _MB:.0f} MB): remove unused sheets, images or "
        "formatted empty rows and save again"
    )


def _read_calamine(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        raise WorkbookError(
            f"cannot be read as a workbook ({exc}): open it in Excel, save a new copy as "
            ".xlsx and upload that"
        ) from exc
    names = book.sheet_names
    if len(names) > limits.max_sheets:
        raise WorkbookError(
            f"workbook has {len(names)} sheets, over the limit of {limits.max_sheets}: "
            "keep the KPI sheets and upload again"
        )
    sheets = []
    for name in names:
        sheet = book.get_sheet_by_name(name)
        rows, cols = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
        if rows > limits.max_rows or cols > limits.max_columns:
            raise WorkbookError(
                f"sheet is {rows} rows x {cols} columns, over the "
                f"limit of {limits.max_rows} x {limits.max_columns}: delete the empty "
                "formatted rows below the table or split the sheet",
                sheet=name,
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
        raise WorkbookError(
            "CSV is neither UTF-8 nor GBK/GB18030: save it from Excel as "
            "'CSV UTF-8' and upload again"
        ) from exc


def _read_csv(name: str, data: bytes, limits: Limits) -> Sheet:
    text = _decode(data)
    if "\x00" in text:
        raise WorkbookError("not a text CSV (it holds binary data): save it again as CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[object]] = []
    for row in csv.reader(io.StringIO(text), dialect):
        if len(rows) >= limits.max_rows or len(row) > limits.max_columns:
            raise WorkbookError(
                f"CSV is over the limit of {limits.max_rows} rows x {limits.max_columns} "
                "columns: split it"
            )
        rows.append(row)
    return Sheet(name, rows)
