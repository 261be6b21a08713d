"""Write a minimal OpenDocument spreadsheet (.ods) in code, rows written as LibreOffice
writes them, or with any `table:number-rows-repeated` / `number-columns-repeated`."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from html import escape

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
OFFICE = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def cell(value: object, *, repeat: int = 1) -> str:
    """One cell as content.xml writes it (None is an empty cell)."""
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{times}/>"
    if isinstance(value, (int, float)):
        return (
            f'<table:table-cell{times} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    text = escape(str(value))
    return (
        f'<table:table-cell{times} office:value-type="string"><text:p>{text}</text:p>'
        "</table:table-cell>"
    )


def row(cells: Sequence[object] | str, *, repeat: int = 1) -> str:
    """A row of values (or of cells already written, as one string)."""
    times = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    inner = cells if isinstance(cells, str) else "".join(cell(v) for v in cells)
    return f"<table:table-row{times}>{inner}</table:table-row>"


def ods(tables: dict[str, Sequence[str]]) -> bytes:
    """An .ods whose tables hold the given rows (strings from `row`). LibreOffice ends a
    sheet with the rest of its empty rows and columns repeated, as `filler()` does."""
    body = "".join(
        f'<table:table table:name="{escape(name)}">{"".join(rows)}</table:table>'
        for name, rows in tables.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {OFFICE}>'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
            f'"{MIMETYPE}"/></manifest:manifest>',
        )
    return out.getvalue()


def filler() -> str:
    """The empty rest of a sheet as LibreOffice saves it: a million rows of 1,024 cells."""
    return row(cell(None, repeat=1024), repeat=1_048_560)
