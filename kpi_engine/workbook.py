"""Bytes in, cell grids out: the only module that opens workbooks.

python-calamine reads .xlsx/.xlsm/.xls/.ods (and their merged ranges) several times
faster than openpyxl, and refuses nothing openpyxl reads; CSV is decoded here. It reads
a cell showing an Excel error (`#DIV/0!`) as an empty string, so for .xlsx/.xlsm the
error cells are read from the sheet XML (already scanned for the checks below) and put
back into the grid as the error's text. Every
check against hostile files (size, zip bombs, sheet and row counts) runs before the
cells are materialised, so a bad upload costs milliseconds and bounded memory.
"""

from __future__ import annotations

import csv
import html
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath

from python_calamine import CalamineWorkbook, PasswordError

from . import messages
from .settings import Limits

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


def read_workbook(name: str, data: bytes, *, limits: Limits | None = None) -> list[Sheet]:
    """All sheets of one uploaded file. Raises WorkbookError with a user-facing message.

    What the bytes are decides the reader, not the name: an .xlsx renamed .csv is read as
    the workbook it is. Text under a workbook name is refused with a hint to rename it,
    rather than guessed at (a web page saved as .xls is text too). `limits` default to
    `Limits.from_env()`.
    """
    limits = Limits.from_env() if limits is None else limits
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
        errors, readable = _check_zip(data, limits)
        return _read_calamine(readable, limits, errors)
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise WorkbookError("file_encrypted")
        return _read_calamine(data, limits)
    if suffix in {".csv", ".txt", ".tsv"}:
        return [_read_csv(PurePath(name).stem, data, limits)]
    if _is_csv_text(data[:4096]):
        raise WorkbookError("text_not_workbook")
    head = data[:8].decode("latin-1", "replace")
    raise WorkbookError("not_a_workbook", head=repr(head))


def _is_csv_text(head: bytes) -> bool:
    """Printable UTF-8 or GB18030 text that is not markup or a PDF: a CSV with a workbook
    name. (The head may end inside a character, hence `ignore`.)"""
    if head.lstrip().startswith((b"<", b"%PDF", b"{")) or b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        text = head.decode(encoding, "ignore")
        if len(text.encode(encoding)) + 4 >= len(head):  # nothing but a cut tail dropped
            return all(c.isprintable() or c in "\t\r\n" for c in text)
    return False


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


def _check_zip(data: bytes, limits: Limits) -> tuple[dict[str, list[ErrorCell]], bytes]:
    """Refuse hostile or non-workbook zips; return the error cells of each sheet that has
    some, by sheet name, and the bytes for calamine to read (see `_calamine_readable`)."""
    try:
        members = _directory(data)
        if members is None:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
        names = {m.filename for m in members}
        if not ({"xl/workbook.xml", "xl/workbook.bin", "content.xml"} & names):
            office = {"[Content_Types].xml", "mimetype"} & names  # .docx/.pptx, .odt/.odp
            raise WorkbookError("document_not_workbook" if office else "zip_not_workbook")
        if len(members) > 10_000:
            raise WorkbookError("too_many_parts")
        declared = sum(m.file_size for m in members)
        if declared > limits.max_unzipped_bytes:
            raise _too_big(declared, limits)
        suspicious = [m.filename for m in members if _suspicious(m)]
        sheets = [m.filename for m in members if _WORKSHEET.fullmatch(m.filename)]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in suspicious:
                _measure(archive, archive.getinfo(name), limits)
            errors: dict[str, list[ErrorCell]] = {}
            patched: dict[str, bytes] = {}
            for name in sheets:
                xml = archive.read(name)
                _check_grid(*_grid(xml), limits)
                if (b't="e"' in xml or b"t='e'" in xml) and _ERROR_TYPE.search(xml):
                    errors[name] = _error_cells(xml)
                    if any(text not in _CALAMINE_ERRORS for *_, text in errors[name]):
                        patched[name] = _ERROR_CELL.sub(_as_calamine_error, xml)
            if not errors:
                return {}, data
            return _by_sheet_name(archive, errors), _replaced(data, archive, patched)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError) as exc:
        raise WorkbookError("file_damaged") from exc


ErrorCell = tuple[int, int, str]  # row, column (0-based), the error as Excel shows it
_ERROR_TYPE = re.compile(rb"""<(?:\w+:)?c\b[^>]*\bt=["']e["']""")
# Not self-closing (`[^>/]*` after the type): such a cell has no cached error to read.
_ERROR_CELL = re.compile(
    rb"""<(?:\w+:)?c\b([^>]*\bt=["']e["'][^>/]*)>(.*?)</(?:\w+:)?c>""", re.DOTALL
)
_ERROR_REF = re.compile(rb"""\br=["']([A-Z]{1,3})([0-9]{1,7})["']""")
_ERROR_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</")


# The errors calamine knows; any other (`#SPILL!` written by a tool other than Excel, which
# stores it as #VALUE!) makes it refuse the whole workbook, so it is shown one of these and
# the error cells are then overwritten with what the XML said.
_CALAMINE_ERRORS = frozenset(
    ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA")
)


def _as_calamine_error(cell: re.Match[bytes]) -> bytes:
    """An error cell whose value calamine refuses (`#SPILL!`), shown to it as #N/A."""
    value = _ERROR_VALUE.search(cell.group(2))
    if value is None or value.group(1).decode("utf-8", "replace").strip() in _CALAMINE_ERRORS:
        return cell.group(0)
    at = cell.start(2) - cell.start(0)
    text = cell.group(0)
    return text[: at + value.start(1)] + b"#N/A" + text[at + value.end(1) :]


def _replaced(data: bytes, archive: zipfile.ZipFile, parts: dict[str, bytes]) -> bytes:
    """The zip's bytes again with `parts` replaced (rare: only for unknown error values)."""
    if not parts:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in archive.infolist():
            copy.writestr(member, parts.get(member.filename) or archive.read(member))
    return out.getvalue()


def _error_cells(xml: bytes) -> list[ErrorCell]:
    """Cells of a sheet's XML typed `t="e"` (an error), with the error text they cache."""
    cells = []
    for attributes, body in _ERROR_CELL.findall(xml):
        ref, value = _ERROR_REF.search(attributes), _ERROR_VALUE.search(body)
        if ref and value:
            text = html.unescape(value.group(1).decode("utf-8", "replace")).strip()
            cells.append((int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1, text))
    return cells


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ATTRIBUTE = re.compile(rb"""(?:\w+:)?(\w+)=(?:"([^"]*)"|'([^']*)')""")


def _tags(archive: zipfile.ZipFile, part: str, tag: re.Pattern[bytes]) -> list[dict[str, str]]:
    """The attributes (without namespace prefixes) of every `tag` in a small XML part."""
    try:
        xml = archive.read(part)
    except KeyError:
        return []
    return [
        {
            name.decode(): html.unescape((double or single).decode("utf-8", "replace"))
            for name, double, single in _ATTRIBUTE.findall(attributes)
        }
        for attributes in tag.findall(xml)
    ]


def _by_sheet_name(
    archive: zipfile.ZipFile, by_path: dict[str, list[ErrorCell]]
) -> dict[str, list[ErrorCell]]:
    """Sheet XML paths to the sheet names calamine uses, through workbook.xml and its rels."""
    targets = {}
    for relation in _tags(archive, "xl/_rels/workbook.xml.rels", _RELATIONSHIP_TAG):
        target = relation.get("Target", "")
        targets[relation.get("Id")] = target[1:] if target.startswith("/") else f"xl/{target}"
    return {
        sheet["name"]: by_path[targets[sheet["id"]]]
        for sheet in _tags(archive, "xl/workbook.xml", _SHEET_TAG)
        if "name" in sheet and targets.get(sheet.get("id")) in by_path
    }


_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# A reference past column Z or row 999, or a cell or row without one (placed after the
# previous): only sheets with one of these need their references counted.
_FAR_OR_UNPLACED = re.compile(
    rb'r="(?:[A-Z]{2}|[A-Z]*[0-9]{4})|<c(?:>|/>| (?!r=))|<row(?:>|/>| (?!r=))'
)
_CELL_REF = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row r="([0-9]{1,7})"')
_UNPLACED_ROW = re.compile(rb"<row(?:>|/>| (?!r=))")
_CELL = re.compile(rb"<c[ />]")
_NEAR = (999, 26)  # the grid at most when _FAR_OR_UNPLACED finds nothing


def _grid(xml: bytes) -> tuple[int, int]:
    """Rows and columns of an .xlsx sheet's grid (A1 to its last cell), at most, read from
    the sheet XML before python-calamine allocates that grid whole: cells at A1 and
    XFD1048576 alone would ask it for 17 billion and abort the process. A cell without a
    reference counts as one more column, a row without one as one more row."""
    if _FAR_OR_UNPLACED.search(xml) is None:  # the common case: one C-speed scan
        return _NEAR
    refs = _CELL_REF.findall(xml)
    last_row = max((int(r) for r in [*_ROW_REF.findall(xml), *(r for _, r in refs)]), default=0)
    last_column = max(map(_column_number, {c for c, _ in refs}), default=0)
    unplaced = len(_CELL.findall(xml)) > len(refs)
    widest = max(len(_CELL.findall(row)) for row in xml.split(b"<row")) if unplaced else 0
    return last_row + len(_UNPLACED_ROW.findall(xml)), last_column + widest


def _column_number(letters: bytes) -> int:
    """`A` -> 1, `Z` -> 26, `AA` -> 27."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_grid(
    rows: int, columns: int, limits: Limits, *, cells: int = 0, sheet: str | None = None
) -> None:
    """A sheet's grid against the row and column limits, and its cells (or the workbook's
    so far, `cells`) against the cell limit."""
    cells = cells or rows * columns
    if rows > limits.max_rows or columns > limits.max_columns:
        raise WorkbookError(
            "sheet_too_big",
            sheet=sheet,
            rows=rows,
            columns=columns,
            max_rows=limits.max_rows,
            max_columns=limits.max_columns,
        )
    if cells > limits.max_cells:
        raise WorkbookError("too_many_cells", sheet=sheet, cells=cells, limit=limits.max_cells)


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


def _read_calamine(
    data: bytes, limits: Limits, errors: dict[str, list[ErrorCell]] | None = None
) -> list[Sheet]:
    """Every sheet's cells; each sheet's grid is checked before it becomes Python objects.

    `errors` (by sheet name) are written over the empty strings calamine gives error cells.
    """
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = book.sheet_names
        if len(names) > limits.max_sheets:
            raise WorkbookError("too_many_sheets", sheets=len(names), limit=limits.max_sheets)
        sheets, cells = [], 0
        for name in names:
            sheet = book.get_sheet_by_name(name)
            rows, cols = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
            cells += rows * cols
            _check_grid(rows, cols, limits, cells=cells, sheet=name)
            grid = sheet.to_python(skip_empty_area=False)
            for r, c, text in (errors or {}).get(name, ()):
                if r < len(grid) and c < len(grid[r]) and grid[r][c] == "":
                    grid[r][c] = text
            merged = tuple(
                (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ())
            )
            sheets.append(Sheet(name, grid, merged))
    except WorkbookError:
        raise
    except PasswordError as exc:  # an .xls encrypted with a password (RC4)
        raise WorkbookError("file_encrypted") from exc
    except Exception as exc:  # calamine's XML, zip and format errors: a damaged file
        raise WorkbookError("unreadable", reason=str(exc)[:200]) from exc
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
