"""Bytes to text, written once: which encoding a CSV file is in, as Excel saves it.

Besides UTF-8, Excel saves CSV in the code page of Windows' language: simplified Chinese
(GBK, of which GB18030 is a superset), traditional Chinese (Big5, Microsoft's code page
950) and Japanese (Shift-JIS, code page 932). The workbook reader (`workbook`) and the
AHP matrix reader (`matrix`) decode with `decode`; `workbook` tells a text file from a
binary one by its first bytes with `decode_head`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import charset_normalizer

from kpi_engine.ingest import aliases

LEGACY_ENCODINGS = ("gb18030", "cp950", "cp932")


def decode(data: bytes, encodings: Sequence[str] = LEGACY_ENCODINGS) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else one of the legacy `encodings`
    (GBK/GB18030, Big5 or Shift-JIS); None when no encoding reads the bytes.

    A legacy encoding that cannot decode the bytes is out; of those left, the one whose
    text names the most known KPI headers wins (a short GBK sheet is often valid Big5
    too, and then reads as nonsense), else charset-normalizer's choice among them, else
    GB18030 (Excel on simplified Chinese Windows). A file without KPI headers (an AHP
    matrix of a few short names) passes only `("gb18030",)`: guessing among the three
    would read many a short GBK name as Big5."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    texts = {}
    for encoding in encodings:
        try:
            texts[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if len(texts) <= 1:
        return next(iter(texts.values()), None)
    headers = {encoding: _known_headers(text) for encoding, text in texts.items()}
    most = max(headers.values())
    if most:
        return texts[next(e for e in texts if headers[e] == most)]
    guess = charset_normalizer.from_bytes(data[:65_536], cp_isolation=list(texts)).best()
    return texts.get(_encoding_name(guess.encoding) if guess else "", texts.get("gb18030", ""))


def decode_head(head: bytes) -> str | None:
    """The first bytes of a file as UTF-8 or GB18030 text, or None when they are neither.
    The head may end inside a character, so a cut tail is dropped, and nothing more."""
    for encoding in ("utf-8-sig", "gb18030"):
        text = head.decode(encoding, "ignore")
        if len(text.encode(encoding)) + 4 >= len(head):  # nothing but a cut tail dropped
            return text
    return None


def _known_headers(text: str) -> int:
    """How many cells of the first rows name a known column (`部门`, `實際值`, `Target`)."""
    lines = text[:8192].splitlines()[:30]
    cells = re.split(r"[,;\t]", "\n".join(lines))
    return sum(aliases.column_for(cell.strip().strip('"')) is not None for cell in cells)


def _encoding_name(name: str) -> str:
    """charset-normalizer's name of an encoding as `LEGACY_ENCODINGS` spells it."""
    return {"big5": "cp950", "shift_jis": "cp932"}.get(name, name)
