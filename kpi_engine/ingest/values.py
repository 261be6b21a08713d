"""Cells to numbers: what a manager typed or Excel cached, as floats the scorer can use.

Cells come as Python objects from python-calamine (float, int, bool, str, datetime, '' for
empty) or as strings from CSV. A missing value stays NaN and is never read as zero; text
that is neither missing nor a number is flagged `bad` so ingest can report it.

Speed: strings are factorised and each distinct text is parsed once, with string methods
that pandas runs natively on its Arrow-backed `str` dtype. The patterns below are kept to
the RE2 subset (no `\\s`, no look-arounds, no back-references) so that pandas does not fall
back to Python's `re` per value.
"""

from __future__ import annotations

import numbers
import unicodedata
from decimal import Decimal

import numpy as np
import pandas as pd

# Normalised texts (NFKC, stripped, lower-cased) that mean "no value", never zero.
MISSING_TOKENS: frozenset[str] = frozenset(
    {
        # English and spreadsheet conventions
        "",
        "n/a",
        "n.a.",
        "n.a",
        "na",
        "nan",
        "null",
        "none",
        "nil",
        "tbd",
        "tba",
        "?",
        "??",
        # keyboard blanks (any run of these is also caught by _FILLER_RE)
        "-",
        "--",
        "—",
        "——",
        "–",
        "/",
        "\\",
        "...",
        # simplified and traditional Chinese
        "无",
        "無",
        "空",
        "缺",
        "待定",
        "暂无",
        "暫無",
        "暂缺",
        "暫缺",
        "不适用",
        "不適用",
        "未统计",
        "未統計",
        "未填",
        "未填报",
        "未填報",
        "未提供",
    }
)

# What Excel shows in a cell whose formula broke (and writes into a CSV for it). Such a
# cell is not missing: the row is reported with the error seen (SPEC §2).
EXCEL_ERRORS: tuple[str, ...] = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
    "#EXTERNAL!",
    "#PYTHON!",
)
_EXCEL_ERRORS = {e.casefold(): e for e in EXCEL_ERRORS}


def excel_error(cell: object) -> str | None:
    """The Excel error a cell shows (`#DIV/0!`, `＃N/A` -> `#N/A`), or None."""
    if not isinstance(cell, str) or not cell.lstrip().startswith(("#", "＃")):
        return None
    return _EXCEL_ERRORS.get(unicodedata.normalize("NFKC", cell).strip().casefold())


# Whitespace left after NFKC (which already maps thin, no-break and ideographic spaces to ' '),
# plus zero-width space and a stray BOM.
_SPACES_RE = "[ \t\n\r\f\v\u200b\ufeff]+"
# A cell that is only filler: dashes, slashes, dots, underscores (a blank drawn by keyboard).
_FILLER_RE = "[-—–―_/. ]*"
# Minus signs that NFKC leaves alone.
_MINUS_RE = "[−‒]"
# A currency sign or code, allowed before or after the number (text is lower-cased first).
_CURRENCY = r"(?:hk\$|us\$|rmb|cny|usd|hkd|eur|gbp|[¥$€£元])"
# Digits with thousands grouping by three ('1,234,567' or "1'234'567") or plain digits;
# '1,2' or '12,34' is no grouping, so not a number (it may be a decimal comma).
_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:'[0-9]{3})+|[0-9]+)"
_TAIL = rf"(?:{_DIGITS}(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?{_CURRENCY}?[%‰]?"
# One sign at most, before or after a leading currency; or an accounting negative in
# parentheses, which carries no sign of its own.
_NUMBER_RE = (
    rf"(?:(?:[+-]{_CURRENCY}|{_CURRENCY}[+-]|[+-]|{_CURRENCY})?{_TAIL}"
    rf"|{_CURRENCY}?\({_CURRENCY}?{_TAIL}\))"
)
# Everything in a valid number that float() does not read.
_DECORATION_RE = rf"{_CURRENCY}|[(),'%‰]"


def _normalise_text(texts: pd.Series) -> pd.Series:
    """NFKC + strip + lower-case, so full-width and upper-case spellings meet.

    `lower` rather than `casefold`: the same on every token and number form here, and
    native on Arrow strings.
    """
    wide = ~texts.str.isascii().fillna(True).to_numpy(bool)
    if wide.any():  # NFKC runs per value in Python: spare it the (usual) ASCII texts
        texts = texts.copy()
        texts[wide] = texts[wide].str.normalize("NFKC")
    return texts.str.strip().str.lower()


def _blank(norm: pd.Series) -> pd.Series:
    """Normalised texts meaning "no value": a missing token or nothing but filler."""
    filler = norm.str.fullmatch(_FILLER_RE).fillna(False).astype(bool)
    return norm.isin(MISSING_TOKENS) | filler


# What a cell holds, as small codes so masks are cheap integer comparisons.
_MISSING, _NUMBER, _TEXT, _OTHER = range(4)


def _kind_of_type(kind: type) -> int:
    """A real number, except bool (a checkbox is not a KPI value); text; or other."""
    if issubclass(kind, (bool, np.bool_)):
        return _OTHER
    if issubclass(kind, str):
        return _TEXT
    if issubclass(kind, (numbers.Real, Decimal)):
        return _NUMBER
    return _OTHER


def _kinds(cells: pd.Series) -> np.ndarray:
    """Each cell's kind: _MISSING (None, NaN, NaT), _NUMBER, _TEXT or _OTHER (bool, date...).

    Typed columns are classified by dtype; object columns by one C-level `map(type)` pass,
    the classification itself running once per distinct type.
    """
    dtype = cells.dtype
    if isinstance(dtype, pd.StringDtype):
        kinds = np.full(len(cells), _TEXT, dtype=np.int8)
    elif pd.api.types.is_bool_dtype(dtype):
        kinds = np.full(len(cells), _OTHER, dtype=np.int8)
    elif pd.api.types.is_numeric_dtype(dtype):
        kinds = np.full(len(cells), _NUMBER, dtype=np.int8)
    elif pd.api.types.is_object_dtype(dtype):
        codes, types = pd.factorize(cells.map(type))
        kinds = np.array([_kind_of_type(t) for t in types], dtype=np.int8)[codes]
    else:  # datetimes, timedeltas, periods...
        kinds = np.full(len(cells), _OTHER, dtype=np.int8)
    kinds[cells.isna().to_numpy()] = _MISSING
    return kinds


def _distinct_texts(texts: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct strings, so each text is parsed once."""
    codes, uniques = pd.factorize(texts.astype("str"))
    return codes, pd.Series(uniques, dtype="str")


def _to_float(digits: pd.Series) -> np.ndarray:
    """Validated digit strings to floats: Arrow's cast, or pandas' parser if that balks."""
    try:
        return digits.astype("float64").to_numpy(float)
    except (ValueError, TypeError):
        return pd.to_numeric(digits, errors="coerce").to_numpy(float)


def _parse_texts(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Strings to (value, bad); missing tokens give (NaN, False)."""
    norm = _normalise_text(texts)
    missing = _blank(norm).to_numpy(bool)
    compact = (
        norm.str.replace(_SPACES_RE, "", regex=True)
        .str.replace(_MINUS_RE, "-", regex=True)
        .str.replace("’", "'", regex=False)
    )
    ok = compact.str.fullmatch(_NUMBER_RE).fillna(False).to_numpy(bool) & ~missing
    body = compact[ok]
    magnitude = _to_float(body.str.replace(_DECORATION_RE, "", regex=True))
    negative = body.str.contains("(", regex=False).to_numpy(bool)
    scale = np.where(
        body.str.contains("%", regex=False).to_numpy(bool),
        0.01,
        np.where(body.str.contains("‰", regex=False).to_numpy(bool), 0.001, 1.0),
    )
    value = np.full(len(texts), np.nan)
    value[ok] = magnitude * scale * np.where(negative, -1.0, 1.0) + 0.0  # '-0' is plain 0
    value[~np.isfinite(value)] = np.nan
    return value, ~missing & np.isnan(value)


def is_missing(cells: pd.Series) -> pd.Series:
    """True where a cell means "no value": None, NaN, empty, blank or a missing token."""
    kinds = _kinds(cells)
    missing = kinds == _MISSING
    is_text = kinds == _TEXT
    if is_text.any():
        codes, distinct = _distinct_texts(cells[is_text])
        missing[is_text] = _blank(_normalise_text(distinct)).to_numpy(bool)[codes]
    return pd.Series(missing, index=cells.index)


def parse_numbers(cells: pd.Series) -> pd.DataFrame:
    """Cells to `value` (float, NaN when missing or bad) and `bad` (not a number, not missing).

    Real numbers pass through; a bool, a date or a non-finite number is bad. Strings are
    read as people write them in workbooks: '85%' and '８５％' are 0.85, '1,234.5',
    '¥1,234', 'US$ 12', '(1,234)' is -1234, '3‰' is 0.003. Excel error strings such as
    '#DIV/0!' are bad, not missing: a formula broke and the user should hear of it.
    """
    value = np.full(len(cells), np.nan)
    bad = np.zeros(len(cells), dtype=bool)
    kinds = _kinds(cells)

    is_number = kinds == _NUMBER
    if is_number.any():
        reals = pd.to_numeric(cells[is_number], errors="coerce").to_numpy(float)
        finite = np.isfinite(reals)
        value[is_number] = np.where(finite, reals, np.nan)
        bad[is_number] = ~finite

    bad |= kinds == _OTHER

    is_text = kinds == _TEXT
    if is_text.any():
        codes, distinct = _distinct_texts(cells[is_text])
        distinct_value, distinct_bad = _parse_texts(distinct)
        value[is_text] = distinct_value[codes]
        bad[is_text] = distinct_bad[codes]

    return pd.DataFrame({"value": value, "bad": bad}, index=cells.index)
