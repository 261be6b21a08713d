"""Write a minimal .xls (BIFF8 in a compound file) in code: no library writes .xls any more,
and the hostile-file tests need ones that place cells anywhere the format allows."""

from __future__ import annotations

import struct
from collections.abc import Iterable

Cell = tuple[int, int, object]  # 0-based row and column, a number or a text

_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def xls(
    sheets: dict[str, Iterable[Cell]],
    *,
    dimensions: tuple[int, int] | None = None,
    encrypted: bool = False,
) -> bytes:
    """A workbook with the given cells per sheet. `dimensions` (rows, columns) is what each
    sheet's DIMENSIONS record claims, by default the truth; `encrypted` adds the FILEPASS
    record of a password-protected workbook (RC4), the cells left as they are."""
    bodies = [_sheet(list(cells), dimensions) for cells in sheets.values()]
    bof = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    if encrypted:
        bof += _record(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\0" * 48)
    heads = [_bound_sheet(0, name) for name in sheets]
    offset = len(bof) + sum(map(len, heads)) + 4  # the globals' EOF is 4 bytes
    globals_ = [bof]
    for name, body in zip(sheets, bodies, strict=True):
        globals_.append(_bound_sheet(offset, name))
        offset += len(body)
    stream = b"".join([*globals_, _record(0x000A, b""), *bodies])
    return _compound(stream.ljust(max(4096, len(stream)), b"\0"))


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _text(value: str) -> bytes:
    encoded = value.encode("utf-16-le")
    return struct.pack("<HB", len(value), 1) + encoded


def _bound_sheet(offset: int, name: str) -> bytes:
    encoded = name.encode("utf-16-le")
    return _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + encoded)


def _sheet(cells: list[Cell], dimensions: tuple[int, int] | None) -> bytes:
    rows, columns = dimensions or (
        max((r for r, _, _ in cells), default=-1) + 1,
        max((c for _, c, _ in cells), default=-1) + 1,
    )
    out = [
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06)),
        _record(0x0200, struct.pack("<IIHHH", 0, rows, 0, columns, 0)),
    ]
    for row, column, value in cells:
        if isinstance(value, str):
            out.append(_record(0x0204, struct.pack("<HHH", row, column, 0) + _text(value)))
        else:
            out.append(_record(0x0203, struct.pack("<HHHd", row, column, 0, float(value))))
    out.append(_record(0x000A, b""))
    return b"".join(out)


def _compound(stream: bytes) -> bytes:
    """A version 3 compound file holding one stream, `Workbook`, in 512-byte sectors:
    sector 0 the FAT, sector 1 the directory, then the stream."""
    sectors = -(-len(stream) // 512)
    assert sectors + 2 <= 128, "one FAT sector holds 128 entries"
    fat = [_FAT, _END, *range(3, sectors + 2), _END]
    fat += [_FREE] * (128 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,
        _END,  # no mini FAT
        0,
        _END,  # no DIFAT sectors
        0,
    )
    header += struct.pack("<109I", 0, *[_FREE] * 108)
    directory = (
        _entry("Root Entry", 5, child=1, start=_END, size=0)
        + _entry("Workbook", 2, child=_NONE, start=2, size=len(stream))
        + _unused() * 2
    )
    body = stream.ljust(sectors * 512, b"\0")
    return header + struct.pack("<128I", *fat) + directory + body


def _unused() -> bytes:
    return b"\0" * 68 + struct.pack("<III", _NONE, _NONE, _NONE) + b"\0" * 48


def _entry(name: str, kind: int, *, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NONE, _NONE, child)
        + b"\0" * 16  # CLSID
        + struct.pack("<I", 0)  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )
