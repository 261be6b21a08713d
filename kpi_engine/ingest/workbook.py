"""Bytes in, cell grids out: the only module that opens workbooks.

python-calamine reads .xlsx/.xlsm/.xls/.ods (and their merged ranges) several times
faster than openpyxl, and refuses nothing openpyxl reads; CSV is decoded by `text`. It reads
a cell showing an Excel error (`#DIV/0!`) as an empty string, so for .xlsx/.xlsm the
error cells are read from the sheet XML and put back into the grid as the error's text.
Every check against hostile files (size, zip bombs, sheet and row counts) runs before the
cells are materialised, so a bad upload costs milliseconds and bounded memory; in a reader
child, whose memory ceiling bounds a grid anyway, the scan of each .xlsx sheet's XML for
its grid is left out (`check_workbook`), and run only when the child dies on the file.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from python_calamine import CalamineWorkbook, PasswordError, SheetVisibleEnum

from kpi_engine.core.settings import Limits
from kpi_engine.ingest import messages
from kpi_engine.ingest.text import decode, decode_head

Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based)


VISIBLE = "visible"


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells as Python values; `cells[r][c]` is Excel row r+1, column c+1.

    `visibility` is `visible`, `hidden` or `veryhidden` (hidden so that Excel's menus
    cannot show it); `cut` counts the texts cut to Excel's 32,767 characters."""

    name: str
    cells: list[list[object]]
    merged: tuple[Merge, ...] = ()
    visibility: str = VISIBLE
    cut: int = 0


class WorkbookError(ValueError):
    """A file that cannot be read as a workbook; `code` names the message (`messages`)."""

    def __init__(self, code: str, *, sheet: str | None = None, **params: object) -> None:
        super().__init__(messages.text(code, **params))
        self.code, self.sheet, self.params = code, sheet, params


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
MAGIC = (_ZIP, _OLE)  # the bytes a workbook (not text) starts with
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the OLE stream of an encrypted .xlsx
_MB = 1024 * 1024


def read_workbook(
    name: str, data: bytes, *, limits: Limits | None = None, scan: bool = True
) -> list[Sheet]:
    """All sheets of one uploaded file. Raises WorkbookError with a user-facing message.

    What the bytes are decides the reader, not the name: an .xlsx renamed .csv is read as
    the workbook it is. Text under a workbook name is refused with a hint to rename it,
    rather than guessed at (a web page saved as .xls is text too). `limits` default to
    `Limits.from_env()`. `scan=False` leaves out the scan of each .xlsx sheet's XML for
    the grid it asks for (`check_workbook`): only for a reader child, whose memory
    ceiling bounds that grid instead.
    """
    limits = Limits.from_env() if limits is None else limits
    readable, errors = check_workbook(name, data, limits, scan=scan)
    if readable is None:
        return [_read_csv(PurePath(name).stem, data, limits)]
    return _read_calamine(readable, limits, errors)


def check_workbook(
    name: str, data: bytes, limits: Limits, *, scan: bool = True
) -> tuple[bytes | None, dict[str, list[ErrorCell]]]:
    """Everything `read_workbook` refuses before a reader allocates anything: the bytes
    for calamine to read (None for a CSV) and the error cells of each sheet that has some.

    A reader child that dies on a file read with `scan=False` runs these checks again in
    full (`reader`), so that a grid too large for its ceiling is named as precisely as
    when the scan had refused it first."""
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
        errors, readable = _check_zip(data, limits, scan=scan)
        return readable, errors
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise WorkbookError("file_encrypted")
        _check_xls(data, limits)
        return data, {}
    if suffix in {".csv", ".txt", ".tsv"}:
        return None, {}
    if _is_csv_text(data[:4096]):
        raise WorkbookError("text_not_workbook")
    head = data[:8].decode("latin-1", "replace")
    raise WorkbookError("not_a_workbook", head=repr(head))


def _is_csv_text(head: bytes) -> bool:
    """Printable UTF-8 or GB18030 text that is not markup or a PDF: a CSV with a workbook
    name."""
    if head.lstrip().startswith((b"<", b"%PDF", b"{")) or b"\x00" in head:
        return False
    text = decode_head(head)
    return text is not None and all(c.isprintable() or c in "\t\r\n" for c in text)


def _check_zip(
    data: bytes, limits: Limits, *, scan: bool = True
) -> tuple[dict[str, list[ErrorCell]], bytes]:
    """Refuse hostile or non-workbook zips; return the error cells of each sheet that has
    some, by sheet name, and the bytes for calamine to read (see `_calamine_readable`).

    The parts checked are the ones python-calamine will read, found the way it finds them:
    an .xlsx's sheets through `_rels/.rels` and the workbook's relationships (any folder,
    any case), an .ods's `content.xml`. An .xlsb is refused: its binary records cannot be
    bounded before calamine builds the grid. `scan=False` leaves out the scan of each
    sheet's XML for its grid (`_grid`), the costliest check on a small file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > 10_000:
                raise WorkbookError("too_many_parts")
            parts = _Parts([m.filename for m in members])
            if parts.duplicated:  # which copy a reader takes is up to it: never a saved workbook
                raise WorkbookError("file_damaged")
            declared = sum(m.file_size for m in members)
            if declared > limits.max_unzipped_bytes:
                raise _too_big(declared, limits)
            for info in members:
                if _suspicious(info):
                    _measure(archive, info, limits)
            if parts.find("xl/workbook.bin"):
                raise WorkbookError("xlsb_not_supported")
            sheets = _xlsx_sheets(archive, parts)
            ods = _is_ods(archive, parts)
            if sheets is None and not ods:
                if parts.find("xl/workbook.xml"):  # an .xlsx without its relationships
                    raise WorkbookError("file_damaged")
                office = parts.find("[Content_Types].xml") or parts.find("mimetype")
                raise WorkbookError("document_not_workbook" if office else "zip_not_workbook")
            cells = _check_ods(archive.read("content.xml"), limits) if ods else 0
            errors: dict[str, list[ErrorCell]] = {}
            patched: dict[str, bytes] = {}
            count = len({sheet for sheet, _, _ in sheets or ()})
            if count > limits.max_sheets:
                raise WorkbookError("too_many_sheets", sheets=count, limit=limits.max_sheets)
            near = []  # sheets counted at `_NEAR`, in case the total needs them exact
            for sheet, member, _ in sheets or ():
                xml = _utf8(archive.read(member))
                if scan:
                    rows, columns = _grid(xml, limits)
                    _check_grid(rows, columns, limits, sheet=sheet)
                    if (rows, columns) == _NEAR:
                        near.append(member)
                    cells += rows * columns
                if (b't="e"' in xml or b"t='e'" in xml) and _ERROR_TYPE.search(xml):
                    errors[sheet] = _error_cells(xml)
                    if any(text not in _CALAMINE_ERRORS for *_, text in errors[sheet]):
                        patched[member] = _ERROR_CELL.sub(_as_calamine_error, xml)
            if cells > limits.max_cells and near:  # many small sheets: count them exactly
                cells -= len(near) * _NEAR[0] * _NEAR[1]
                for member in near:
                    rows, columns = _extent_as_excel_writes(_utf8(archive.read(member)))
                    cells += rows * columns
            _check_grid(0, 0, limits, cells=cells)
            return errors, _replaced(data, archive, patched)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, KeyError) as exc:
        raise WorkbookError("file_damaged") from exc


class _Parts:
    """A zip's member names looked up as python-calamine does: `\\` read as `/` and ASCII
    case ignored, else the exact name."""

    def __init__(self, names: list[str]) -> None:
        self.names = set(names)
        self.folded = {_fold(name): name for name in names}
        self.duplicated = len(self.folded) < len(names)

    def find(self, path: str) -> str | None:
        return self.folded.get(_fold(path)) or (path if path in self.names else None)


def _fold(path: str) -> str:
    return path.replace("\\", "/").translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _utf8(xml: bytes) -> bytes:
    """XML as UTF-8 bytes for the byte patterns below (a part saved as UTF-16 too)."""
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        return xml.decode("utf-16", "replace").encode("utf-8")
    return xml


def _xlsx_sheets(archive: zipfile.ZipFile, parts: _Parts) -> list[tuple[str, str, str]] | None:
    """(sheet name, zip member, the workbook's folder) of every sheet python-calamine may
    read, or None when the zip is no .xlsx: the officeDocument relationship of
    `_rels/.rels` names the workbook's folder, whose `_rels/workbook.xml.rels` maps each
    `<sheet>`'s id to its part (in any folder, under any case). Every spelling of an
    attribute is taken (either quote, a repeated attribute, escaped or not), so no part
    calamine reads goes unchecked; a part named but missing is one calamine cannot read
    either."""

    def read(path: str) -> bytes | None:
        member = parts.find(path)
        return None if member is None else _utf8(archive.read(member))

    package = read("_rels/.rels")
    if package is None:
        return None
    folders = [
        _folder(target)
        for tag in _tags(package, b"Relationship")
        if any(t.endswith("/relationships/officeDocument") for t in tag.get("Type", ()))
        for target in tag.get("Target", ())
    ]
    found: list[tuple[str, str, str]] | None = None
    for folder in dict.fromkeys(folders):
        relations = read(f"{folder}_rels/workbook.xml.rels")
        if relations is None:
            continue
        found = found or []
        targets: dict[str, list[str]] = {}
        for tag in _tags(relations, b"Relationship"):
            for ident in tag.get("Id", ()):
                targets.setdefault(ident, []).extend(tag.get("Target", ()))
        for tag in _tags(read(f"{folder}workbook.xml") or b"", b"sheet"):
            name = tag.get("name", [""])[-1]
            for ident in tag.get("id", ()):
                for target in targets.get(ident, ()):
                    path = target[1:] if target.startswith("/") else f"{folder}{target}"
                    member = parts.find(path)
                    if member is not None:
                        found.append((name, member, folder))
    return None if found is None else list(dict.fromkeys(found))


def _folder(target: str) -> str:
    """The folder of the workbook part, as calamine takes it (`/xl/workbook.xml` -> `xl/`)."""
    folder = target[: target.rfind("/") + 1]
    return folder[1:] if folder.startswith("/") else folder


_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _is_ods(archive: zipfile.ZipFile, parts: _Parts) -> bool:
    """An OpenDocument spreadsheet as calamine tells one: its mimetype part, then
    content.xml (both by exact name)."""
    if "mimetype" not in parts.names or "content.xml" not in parts.names:
        return False
    with archive.open("mimetype") as stream:
        return stream.read(len(_ODS_MIMETYPE)) == _ODS_MIMETYPE


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


_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _tags(xml: bytes, tag: bytes) -> list[dict[str, list[str]]]:
    """The attributes of every `<tag>` (any namespace prefix) in a small XML part, by name
    without its prefix: every occurrence, each value as written and unescaped. Read once
    per distinct part of a few KB: a batch of workbooks saved from one template repeats
    its relationships and sheet list file after file (callers only read the answer)."""
    return _tags_of_small(xml, tag) if len(xml) <= 8192 else _read_tags(xml, tag)


def _read_tags(xml: bytes, tag: bytes) -> list[dict[str, list[str]]]:
    found = []
    for attributes in re.findall(rb"<(?:[\w.-]+:)?" + tag + rb"(?=[\s/>])([^>]*)>", xml):
        values: dict[str, list[str]] = {}
        for name, double, single in _ATTRIBUTE.findall(attributes):
            raw = (double or single).decode("utf-8", "replace")
            key = name.decode("utf-8", "replace").rpartition(":")[2]
            values.setdefault(key, []).extend(dict.fromkeys((raw, html.unescape(raw))))
        found.append(values)
    return found


_tags_of_small = functools.lru_cache(maxsize=256)(_read_tags)


# -- the grid a sheet asks for ---------------------------------------------------------------
#
# python-calamine builds a sheet's grid from its first to its last cell holding a value
# (python-calamine then pads it from A1), placing a cell at its `r` reference, or, without
# one, after the previous cell of its row (a row without `r` follows the previous row).

# Excel's own spelling, read with two C-speed scans: each cell and row tag, without a
# namespace prefix, opens with its reference in double quotes (`<c r="B7"`, `<row r="7"`)
# followed by other attributes written `name="value"`. Anything else (`r='B7'`,
# `r = "B7"`, `<x:c`, `r="b07"`, a second `r`, a cell or row without a reference) is read
# tag by tag (`_extent_in_order`).
_OTHER_ATTRIBUTES = rb'(?: (?!r=)[\w:]+="[^"]*")*\s*/?>'
_ODD_SPELLING = re.compile(
    rb"<(?:[\w.-]+:(?:c|row)[\s/>]"
    rb'|c(?=[\s/>])(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}"' + _OTHER_ATTRIBUTES + rb")"
    rb'|row(?=[\s/>])(?! r="[1-9][0-9]{0,6}"' + _OTHER_ATTRIBUTES + rb"))"
)
# A cell past column Z or row 999 in Excel's spelling: without one, the grid is at most
# `_NEAR`, as small as any limit allows, and the references need not be read.
_FAR_CELL = re.compile(rb'<c r="(?:[A-Z]{2}|[A-Z]{1,3}[1-9][0-9]{3})')
_NEAR = (999, 26)
# A cell that may hold a value (not self-closing), in Excel's spelling.
_VALUED_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[^>]*(?<!/)>')
_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(c|row)(?=[\s/>])([^>]*)>")
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([A-Za-z]*)([0-9]+)"|'([A-Za-z]*)([0-9]+)')""")


def _grid(xml: bytes, limits: Limits) -> tuple[int, int]:
    """Rows and columns, from A1, of the grid python-calamine will build for an .xlsx
    sheet, read from its XML before calamine allocates that grid whole: a value at
    XFD1048576 alone would ask it for 17 billion cells and abort the process. A cell
    without a value (`<c r="XFD1048576" s="3"/>`, a formatted empty cell) and a row without
    cells do not count, as calamine skips them; `<dimension ref>` is never trusted."""
    if _ODD_SPELLING.search(xml) is not None:
        return _extent_in_order(xml, limits)
    if _FAR_CELL.search(xml) is None:  # the common case: two C-speed scans
        return _NEAR
    return _extent_as_excel_writes(xml)


def _extent_as_excel_writes(xml: bytes) -> tuple[int, int]:
    """The last row and column holding a value when every cell carries its reference in
    Excel's spelling."""
    refs = _VALUED_CELL.findall(xml)
    if not refs:
        return 0, 0
    columns, rows = zip(*refs, strict=True)
    return max(map(int, rows)), max(map(_column_number, set(columns)))


def _extent_in_order(xml: bytes, limits: Limits) -> tuple[int, int]:
    """The extent of a sheet in any spelling, following calamine tag by tag. Stops as
    soon as the grid is past a limit (the sheet is refused then), and after more tags than
    a sheet within the limits can hold. A tag with two `r` attributes counts at the
    farthest (which one calamine takes depends on the attributes around them)."""
    row = column = 0  # where the next cell without a reference goes (0-based)
    rows = columns = 0
    budget = limits.max_cells + limits.max_rows
    for count, tag in enumerate(_TAG.finditer(xml)):
        closing, name, attributes = tag.groups()
        if count > budget:
            return limits.max_rows + 1, columns
        empty = closing or attributes.endswith(b"/")
        places = [] if closing else _places(attributes)
        if name == b"row":
            if places:
                row = max(r for r, _ in places)
            if empty:
                row, column = row + 1, 0
            continue
        if closing:
            continue
        placed = [(r, c) for r, c in places if c is not None]
        if placed:
            at_row, column = max(r for r, _ in placed), max(c for _, c in placed)
        else:
            at_row = row
        if not empty:  # a cell that may hold a value
            rows, columns = max(rows, at_row + 1), max(columns, column + 1)
            if rows > limits.max_rows or columns > limits.max_columns:
                return rows, columns
        column += 1
    return rows, columns


def _places(attributes: bytes) -> list[tuple[int, int | None]]:
    """A tag's `r` references as calamine reads them (letters in any case, then digits):
    0-based row and column (None without letters); unreadable ones left out."""
    places = []
    for double_letters, double_digits, single_letters, single_digits in _REF.findall(attributes):
        letters, digits = (
            (double_letters, double_digits) if double_digits else (single_letters, single_digits)
        )
        row = int(digits) - 1
        if row >= 0:
            places.append((row, _column_number(letters.upper()) - 1 if letters else None))
    return places


def _column_number(letters: bytes) -> int:
    """`A` -> 1, `Z` -> 26, `AA` -> 27."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# -- the grids an .ods asks for --------------------------------------------------------------

_ODS_TAG = re.compile(
    rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>"
)
_ODS_REPEATED = re.compile(rb"""number-(?:rows|columns)-repeated\s*=\s*["']\s*([0-9]+)""")
_ODS_VALUE = re.compile(rb"(?:value|formula)\s*=")
_ODS_MAX_ROWS, _ODS_MAX_COLUMNS = 1_048_576, 16_384  # calamine caps repeats at these


def _check_ods(xml: bytes, limits: Limits) -> int:
    """Check every table of an .ods's content.xml against the limits before calamine
    reads them (it reads all at once) and return their cells. A row or cell repeated
    (`table:number-rows-repeated="1048576"` around a value) counts every repetition, as
    calamine builds them all; empty repetitions after the last value (how LibreOffice
    saves the rest of a sheet) do not."""
    cells = 0
    tables: list[_OdsTable] = []  # a table inside a cell is counted as one more
    for count, tag in enumerate(_ODS_TAG.finditer(xml)):
        if count > limits.max_cells + limits.max_rows:
            raise WorkbookError("too_many_cells", cells=count, limit=limits.max_cells)
        closing, kind, attributes = tag.groups()
        empty = closing or attributes.endswith(b"/")
        if kind == b"table":
            if not closing:
                tables.append(_OdsTable(_attribute(attributes, "name")))
            if empty and tables:
                table = tables.pop()
                cells += table.used * table.width
                _check_grid(table.used, table.width, limits, cells=cells, sheet=table.name)
        elif tables:
            tables[-1].read(kind, closing, attributes, limits)
    return cells


class _OdsTable:
    """Rows and columns used by one table of an .ods, read tag by tag as calamine does."""

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.rows = self.used = self.width = 0  # rows so far, up to the last value, columns
        self.repeats = self.position = self.last = 0  # of the row being read

    def read(self, kind: bytes, closing: bytes, attributes: bytes, limits: Limits) -> None:
        empty = closing or attributes.endswith(b"/")
        if kind == b"table-row":
            if not closing:
                self.repeats = min(_repeats(attributes), _ODS_MAX_ROWS - self.rows)
                self.position = self.last = 0
            if empty:
                if self.last:
                    self.used = self.rows + self.repeats
                    self.width = max(self.width, self.last)
                    _check_grid(self.used, self.width, limits, sheet=self.name)
                self.rows += self.repeats
        elif not closing:
            self.position = min(self.position + _repeats(attributes), _ODS_MAX_COLUMNS)
            if not attributes.endswith(b"/") or _ODS_VALUE.search(attributes):
                self.last = self.position


def _attribute(attributes: bytes, name: str) -> str | None:
    """One attribute's last value (unescaped), whatever its namespace prefix."""
    values = _tags(b"<x " + attributes + b">", b"x")[0].get(name)
    return values[-1] if values else None


# -- the grids an .xls asks for ---------------------------------------------------------------

_END_OF_CHAIN = 0xFFFFFFFA  # sector numbers from here on mark ends, free and FAT sectors
_WORKBOOK_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")  # calamine's order
_XLS_CELLS = frozenset((0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006))
_XLS_FORMULA, _XLS_MULRK, _XLS_DIMENSIONS = 0x0006, 0x00BD, 0x0200
_XLS_BOF, _XLS_EOF, _XLS_SHEET, _XLS_PASSWORD = 0x0809, 0x000A, 0x0085, 0x002F


def _check_xls(data: bytes, limits: Limits) -> None:
    """Check every sheet of an .xls against the limits before calamine reads it (it reads
    all sheets when it opens the file): the cells its DIMENSIONS record makes calamine
    reserve, and the grid from A1 to the last cell or formula record, wherever they are
    (a 6 KB file with cells at A1 and IV65536 asks for more than a gigabyte)."""
    cells = 0
    for stream in _ole_streams(data):
        sheets = []
        for kind, at, size in _records(stream, 0):
            if kind == _XLS_SHEET and size >= 4:
                sheets.append(struct.unpack_from("<I", stream, at)[0])
            elif kind == _XLS_PASSWORD and size >= 2 and stream[at : at + 2] != b"\0\0":
                raise WorkbookError("file_encrypted")  # the cell records are ciphertext
        if len(sheets) > limits.max_sheets:
            raise WorkbookError("too_many_sheets", sheets=len(sheets), limit=limits.max_sheets)
        for start in sheets:
            grid, formulas, reserved = _xls_extent(stream, start)
            cells += grid[0] * grid[1]
            _check_grid(*grid, limits, cells=cells)
            for extra in (formulas[0] * formulas[1], reserved):
                if extra > limits.max_cells:
                    raise WorkbookError("too_many_cells", cells=extra, limit=limits.max_cells)


def _records(stream: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(type, offset of the data, size) of each BIFF record from `start` to the EOF
    record that ends its substream (substreams nested in it, such as charts, included)."""
    depth, at = 0, start
    while at >= 0 and at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        if at + 4 + size > len(stream):
            return
        if kind == _XLS_BOF and at != start:
            depth += 1
        elif kind == _XLS_EOF:
            if not depth:
                return
            depth -= 1
        yield kind, at + 4, size
        at += 4 + size


def _xls_extent(stream: bytes, start: int) -> tuple[tuple[int, int], tuple[int, int], int]:
    """One sheet's grid (rows, columns from A1), its formulas' grid, and the cells its
    DIMENSIONS record makes calamine reserve (u32 arithmetic wrapping as calamine's).
    One tight loop: a 60,000-row .xls has half a million records."""
    rows = columns = formula_rows = formula_columns = reserved = 0
    pair, end, depth, at = _PAIR.unpack_from, len(stream), 0, start
    while at + 4 <= end:
        kind, size = pair(stream, at)
        body, at = at + 4, at + 4 + size
        if at > end:
            break
        if kind in _XLS_CELLS:
            if size >= 4:
                row, column = pair(stream, body)
                rows, columns = max(rows, row + 1), max(columns, column + 1)
                if kind == _XLS_FORMULA:
                    formula_rows = max(formula_rows, row + 1)
                    formula_columns = max(formula_columns, column + 1)
        elif kind == _XLS_MULRK and size >= 6:
            row, last = pair(stream, body)[0], pair(stream, at - 4)[1]
            rows, columns = max(rows, row + 1), max(columns, last + 1)
        elif kind == _XLS_DIMENSIONS and size in (10, 14):
            reserved = max(reserved, _reserved(stream, body, size))
        elif kind == _XLS_BOF and body != start + 4:
            depth += 1
        elif kind == _XLS_EOF:
            if not depth:
                break
            depth -= 1
    return (rows, columns), (formula_rows, formula_columns), reserved


_PAIR = struct.Struct("<HH")


def _reserved(stream: bytes, at: int, size: int) -> int:
    """The cells calamine reserves for a DIMENSIONS record (its u32 arithmetic wraps)."""
    first_row, last_row, first_col, last_col = struct.unpack_from(
        "<IIHH" if size == 14 else "<HHHH", stream, at
    )
    first_col = 0 if first_col > 0xFF or last_col < first_col else first_col
    if last_row < 1 or last_col < 1:
        return 0
    return ((last_row - first_row) % 2**32) * ((last_col - first_col) % 2**32)


def _broken_ole() -> WorkbookError:
    return WorkbookError("unreadable", reason="the compound file's sector chains are broken")


def _ole_streams(data: bytes) -> list[bytes]:
    """The workbook streams (`Workbook`, `Book`...) of an OLE compound file, read as
    calamine reads them. A chain that loops or leaves the file is damage: calamine would
    follow a looping directory chain until memory ran out."""
    if len(data) < 512:
        raise _broken_ole()
    shift = struct.unpack_from("<H", data, 30)[0]
    if shift not in (9, 12):
        raise _broken_ole()
    size = 1 << shift
    total = len(data) // size  # sectors the file can hold, the header's included

    def sector(number: int) -> bytes:
        return data[(number + 1) * size : (number + 2) * size]

    def numbers(block: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(block) // 4}I", block[: len(block) // 4 * 4]))

    def chain(first: int, table: list[int], read: Callable[[int], bytes], length: int) -> bytes:
        """The bytes of a chain of sectors up to `length`; each sector at most once."""
        out, seen, got, number = [], set(), 0, first
        while number < _END_OF_CHAIN and got < length:
            if number in seen:
                raise _broken_ole()
            seen.add(number)
            block = read(number)
            if not block:  # past the end of the file
                raise _broken_ole()
            out.append(block)
            got += len(block)
            number = table[number] if number < len(table) else _END_OF_CHAIN
        return b"".join(out)[:length]

    fat_sectors = numbers(data[76:512])
    number, seen = struct.unpack_from("<I", data, 68)[0], set()
    while number < _END_OF_CHAIN:  # further FAT sector numbers, in DIFAT sectors
        if number in seen or number >= total:
            raise _broken_ole()
        seen.add(number)
        *more, number = numbers(sector(number))
        fat_sectors += more
    fat = [n for s in fat_sectors if s < _END_OF_CHAIN for n in numbers(sector(s))]
    entries = chain(struct.unpack_from("<I", data, 48)[0], fat, sector, len(data))
    directory = {}
    for at in range(0, len(entries) - 127, 128):
        name = entries[at : at + 64].decode("utf-16-le", "replace").split("\0")[0]
        first, length = struct.unpack_from("<IQ" if shift == 12 else "<II", entries, at + 116)
        directory.setdefault(name, (first, length))
    mini_first, mini_sectors = struct.unpack_from("<II", data, 60)
    mini = b""
    mini_fat: list[int] = []
    if mini_sectors and directory:
        root_first, root_length = next(iter(directory.values()))
        mini = chain(root_first, fat, sector, min(root_length, len(data)))
        mini_fat = numbers(chain(mini_first, fat, sector, mini_sectors * size))
    streams = []
    for name in _WORKBOOK_STREAMS:
        if name in directory:
            first, length = directory[name]
            if length < 4096:
                streams.append(chain(first, mini_fat, lambda n: mini[n * 64 : n * 64 + 64], length))
            else:
                streams.append(chain(first, fat, sector, min(length, len(data))))
    return streams


def _repeats(attributes: bytes) -> int:
    found = _ODS_REPEATED.search(attributes)
    return int(found.group(1)) if found else 1


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
    data: bytes,
    limits: Limits,
    errors: dict[str, list[ErrorCell]] | None = None,
) -> list[Sheet]:
    """Every sheet's cells; each sheet's grid is checked before it becomes Python objects.

    `errors` (by sheet name) are written over the empty strings calamine gives error cells;
    texts are cut to Excel's length, looked for among the values read (the unzipped size
    bounds them already: a pass over the values costs less than scanning the XML).
    A reader panic (pyo3's PanicException is a BaseException, not an Exception) is a file
    that cannot be read like any other; running out of memory is said as such.
    """
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = book.sheet_names
        if len(names) > limits.max_sheets:
            raise WorkbookError("too_many_sheets", sheets=len(names), limit=limits.max_sheets)
        hidden = {
            m.name: "hidden" if m.visible == SheetVisibleEnum.Hidden else "veryhidden"
            for m in book.sheets_metadata
            if m.visible != SheetVisibleEnum.Visible
        }
        sheets, cells = [], 0
        for name in names:
            sheet = book.get_sheet_by_name(name)
            rows, cols = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
            cells += rows * cols
            _check_grid(rows, cols, limits, cells=cells, sheet=name)
            grid = sheet.to_python(skip_empty_area=False)
            cut = _cut_long_text(grid)
            for r, c, text in (errors or {}).get(name, ()):
                if r < len(grid) and c < len(grid[r]) and grid[r][c] == "":
                    grid[r][c] = text
            merged = _merges(sheet.merged_cell_ranges or (), rows, cols, limits, name)
            sheets.append(Sheet(name, grid, merged, hidden.get(name, VISIBLE), cut))
    except WorkbookError:
        raise
    except PasswordError as exc:  # an .xls encrypted with a password (RC4)
        raise WorkbookError("file_encrypted") from exc
    except MemoryError as exc:
        raise WorkbookError("reader_failed", memory_mb=limits.reader_memory_bytes // _MB) from exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # calamine's XML, zip and format errors, and its panics
        raise WorkbookError("unreadable", reason=str(exc)[:200]) from exc
    return sheets


def _merges(
    ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]],
    rows: int,
    columns: int,
    limits: Limits,
    sheet: str,
) -> tuple[Merge, ...]:
    """Merged ranges clipped to the grid, at most `limits.max_merged` of them and never
    covering more cells than the grid has (ranges that overlap, which Excel never saves),
    so that filling them in costs at most one write per cell."""
    ranges = list(ranges)
    if len(ranges) > limits.max_merged:
        raise WorkbookError(
            "too_many_merges", sheet=sheet, count=len(ranges), limit=limits.max_merged
        )
    merged = tuple(
        (r0, c0, min(r1, rows - 1), min(c1, columns - 1))
        for (r0, c0), (r1, c1) in ranges
        if r0 <= r1 and c0 <= c1 and r0 < rows and c0 < columns
    )
    covered = sum((r1 - r0 + 1) * (c1 - c0 + 1) for r0, c0, r1, c1 in merged)
    if covered > rows * columns:
        raise WorkbookError("merges_overlap", sheet=sheet)
    return merged


MAX_CELL_TEXT = 32_767  # Excel's own limit: a longer cell comes from no spreadsheet


def _cut_long_text(rows: list[list[object]]) -> int:
    """Cut every text longer than Excel allows to that length, in place (a crafted 10 MB
    cell is never copied further); how many were cut."""
    cut = 0
    for row in rows:
        if any(type(v) is str and len(v) > MAX_CELL_TEXT for v in row):
            for i, value in enumerate(row):
                if type(value) is str and len(value) > MAX_CELL_TEXT:
                    row[i], cut = value[:MAX_CELL_TEXT], cut + 1
    return cut


def _read_csv(name: str, data: bytes, limits: Limits) -> Sheet:
    text = decode(data)
    if text is None:
        raise WorkbookError("csv_encoding")
    if "\x00" in text:
        raise WorkbookError("csv_binary")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[object]] = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) >= limits.max_rows or len(row) > limits.max_columns:
                raise WorkbookError(
                    "csv_too_big", max_rows=limits.max_rows, max_columns=limits.max_columns
                )
            rows.append(row)
    except csv.Error as exc:  # a field over the csv module's limit, a stray quote
        raise WorkbookError("csv_unreadable", reason=str(exc)[:200]) from exc
    return Sheet(name, rows, cut=_cut_long_text(rows))
