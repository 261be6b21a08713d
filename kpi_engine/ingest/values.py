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
import re
import unicodedata
from collections.abc import Collection
from decimal import Decimal
from typing import NamedTuple

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
    missing = cells.isna().to_numpy()
    if missing.all():  # a column no sheet of the batch has: nothing to classify
        return np.full(len(cells), _MISSING, dtype=np.int8)
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
    kinds[missing] = _MISSING
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
    parsed = _parse_cells(cells)
    return pd.DataFrame({"value": parsed.value, "bad": parsed.bad}, index=cells.index)


class _Cells(NamedTuple):
    """`parse_numbers`' result per cell, and its text cells by distinct text (so a further
    reading of the texts, `parse_written`, neither classifies nor factorises them again)."""

    value: np.ndarray
    bad: np.ndarray
    is_text: np.ndarray  # which cells are text
    codes: np.ndarray  # per text cell, its distinct text
    distinct: pd.Series
    distinct_bad: np.ndarray


def _parse_cells(cells: pd.Series) -> _Cells:
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
    codes, distinct = np.zeros(0, dtype=np.intp), pd.Series([], dtype="str")
    distinct_bad = np.zeros(0, dtype=bool)
    if is_text.any():
        codes, distinct = _distinct_texts(cells[is_text])
        distinct_value, distinct_bad = _parse_texts(distinct)
        value[is_text] = distinct_value[codes]
        bad[is_text] = distinct_bad[codes]
    return _Cells(value, bad, is_text, codes, distinct, distinct_bad)


# -- targets and actuals written with operators and units (SPEC §5.4) -------------------------

# Operators before or after the number, as normalised text (NFKC, lower-cased, no spaces),
# and the direction each one means. NFKC already turns `＞＝` into `>=` and `％` into `%`.
OPERATOR_PREFIXES: dict[str, str] = {
    **dict.fromkeys(
        (
            ">=", "≥", "≧", "⩾", ">", "=>",
            "不低于", "不低於", "不少于", "不少於", "不小于", "不小於",
            "大于等于", "大於等於", "大于或等于", "大於或等於", "大于", "大於",
            "高于", "高於", "至少", "最低", "最少",
            "atleast", "nolessthan", "notlessthan", "nobelow", "notbelow", "min", "minimum",
        ),
        "higher",
    ),
    **dict.fromkeys(
        (
            "<=", "≤", "≦", "⩽", "<", "=<",
            "不高于", "不高於", "不超过", "不超過", "不多于", "不多於", "不大于", "不大於",
            "小于等于", "小於等於", "小于或等于", "小於或等於", "小于", "小於",
            "低于", "低於", "至多", "最多", "最高",
            "atmost", "nomorethan", "notmorethan", "notover", "noabove", "notabove",
            "upto", "within", "max", "maximum",
        ),
        "lower",
    ),
}  # fmt: skip
OPERATOR_SUFFIXES: dict[str, str] = {
    **dict.fromkeys(
        (
            "以上", "及以上", "或以上", "以上(含)", "(含)以上", "或更高", "或更多",
            "ormore", "orabove", "orhigher", "andabove", "orover", "+",
        ),
        "higher",
    ),
    **dict.fromkeys(
        (
            "以内", "以內", "之内", "之內", "以下", "及以下", "或以下", "以下(含)",
            "(含)以下", "或更低", "或更少", "orless", "orbelow", "orlower", "andbelow",
            "orfewer",
        ),
        "lower",
    ),
}  # fmt: skip
# Units written after a number, and the unit each names (spellings of one unit compare
# equal: `万元` and `萬元`, `天` and `days`). A scale unit is its own unit: 100万元 is 100
# in 万元, never converted to 1,000,000 元 (SPEC §5.4).
UNITS: dict[str, str] = {
    **dict.fromkeys(("天", "日", "days", "day"), "天"),
    **dict.fromkeys(("个工作日", "個工作日", "工作日", "workdays", "workday"), "工作日"),
    **dict.fromkeys(("小时", "小時", "hours", "hour", "hrs", "hr"), "小时"),
    **dict.fromkeys(("分钟", "分鐘", "minutes", "minute", "mins"), "分钟"),
    **dict.fromkeys(("个月", "個月", "months", "month"), "月"),
    **dict.fromkeys(("次", "times", "time"), "次"),
    **dict.fromkeys(("人次",), "人次"),
    **dict.fromkeys(("起", "件", "宗", "例", "cases", "case"), "起"),
    **dict.fromkeys(("个", "個", "项", "項", "items", "item", "pcs"), "个"),
    **dict.fromkeys(("人", "名", "people", "persons", "person"), "人"),
    **dict.fromkeys(("户", "戶", "家"), "户"),
    **dict.fromkeys(("篇",), "篇"),
    **dict.fromkeys(("份",), "份"),
    **dict.fromkeys(("台", "套"), "台"),
    **dict.fromkeys(("分", "points", "pts"), "分"),
    **dict.fromkeys(("元", "yuan", "rmb", "cny"), "元"),
    **dict.fromkeys(("千元",), "千元"),
    **dict.fromkeys(("万元", "萬元", "万", "萬"), "万元"),
    **dict.fromkeys(("百万元", "百萬元"), "百万元"),
    **dict.fromkeys(("亿元", "億元", "亿", "億"), "亿元"),
    **dict.fromkeys(("吨", "噸", "tons", "ton"), "吨"),
}


def _alternation(words: Collection[str]) -> str:
    """A regex alternation of `words`, longest first so `万元` wins over `元`."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_WRITTEN_RE = re.compile(
    rf"(?P<pre>{_alternation(OPERATOR_PREFIXES)})?(?P<body>.+?)"
    rf"(?P<unit>{_alternation(UNITS)})?(?P<post>{_alternation(OPERATOR_SUFFIXES)})?"
)
# `25±2`, `25+/-2`, `25+-2`: a target range around a centre.
_PLUS_MINUS_RE = re.compile(r"(?P<centre>.+?)(?:±|\+/-|\+-)(?P<spread>.+)")


def unit_key(unit: object) -> str | None:
    """What a unit cell or a written unit names, so that spellings compare (`萬元` is `万元`);
    a unit outside the table is itself, normalised."""
    if not isinstance(unit, str):
        return None
    text = re.sub(_SPACES_RE, "", unicodedata.normalize("NFKC", unit)).lower()
    return UNITS.get(text, text) or None


def looks_written(cell: object) -> bool:
    """Text that starts or ends with an operator, or holds a `±`: a written target (whether
    or not its number reads), so a message can name that cause."""
    if not isinstance(cell, str):
        return False
    norm = re.sub(_SPACES_RE, "", unicodedata.normalize("NFKC", cell)).lower()
    return (
        norm.startswith(tuple(OPERATOR_PREFIXES))
        or norm.endswith(tuple(OPERATOR_SUFFIXES))
        or "±" in norm
        or "+/-" in norm
    )


def _split_written(norm: str) -> tuple[str, str | None, str | None, str | None]:
    """(number text, the spread of a `centre±spread`, direction, unit) of one cell."""
    found = _WRITTEN_RE.fullmatch(norm)
    if found is None:  # an empty text: nothing to split
        return norm, None, None, None
    pre, body, unit, post = found.group("pre", "body", "unit", "post")
    if pre and post:  # `≥95%以上` says it twice; `≥2以内` contradicts itself: not read
        return norm, None, None, None
    direction = OPERATOR_PREFIXES.get(pre or "") or OPERATOR_SUFFIXES.get(post or "")
    spread = None
    ranged = _PLUS_MINUS_RE.fullmatch(body)
    if ranged is not None:
        if pre or post:  # `≥25±2` is no target anyone means
            return norm, None, None, None
        body, spread = ranged.group("centre", "spread")
        if ("%" in body) != ("%" in spread):  # `95±2%`: one percent sign for both numbers
            body, spread = body.rstrip("%") + "%", spread.rstrip("%") + "%"
        direction = "range"
    return body, spread, direction, unit


def parse_written(cells: pd.Series) -> pd.DataFrame:
    """Cells as targets and actuals are written (SPEC §5.4): `value` and `bad` as
    `parse_numbers` gives them, plus the `direction` an operator or a `±` sets (`≥95%` is
    0.95 and higher, `2天以内` is 2 and lower, `25±2` is 25 and range), the `unit`
    written after the number (as written; compare with `unit_key`), and for a `±` range
    its `low` and `high` bounds. A number without an operator or unit reads exactly as
    `parse_numbers` reads it. Only distinct texts that can hold more than a number (bad
    as a number, non-ASCII, or with a currency code that is also a unit) are split, once
    each (Python); the numbers left are parsed together (vectorised).
    """
    parsed = _parse_cells(cells)
    n = len(cells)
    columns: dict[str, np.ndarray] = {
        "value": parsed.value,
        "bad": parsed.bad,
        "direction": np.full(n, None, dtype=object),
        "unit": np.full(n, None, dtype=object),
        "low": np.full(n, np.nan),
        "high": np.full(n, np.nan),
    }
    distinct, codes = parsed.distinct, parsed.codes
    if len(distinct):
        plain_ascii = distinct.str.isascii().fillna(True).to_numpy(bool)
        unit_code = distinct.str.contains("rmb|cny", case=False, regex=True).fillna(False)
        split = np.flatnonzero(parsed.distinct_bad | ~plain_ascii | unit_code.to_numpy(bool))
        if split.size:
            at = np.isin(codes, split)  # text cells whose text is split
            position = np.full(len(distinct), -1)
            position[split] = np.arange(split.size)
            rows = np.flatnonzero(parsed.is_text)[at]
            found = _written_texts(distinct.iloc[split].reset_index(drop=True))
            for column, per_text in found.items():
                columns[column][rows] = per_text[position[codes[at]]]
    return pd.DataFrame(columns, index=cells.index)


def _written_texts(distinct: pd.Series) -> dict[str, np.ndarray]:
    """`parse_written`'s columns for distinct texts."""
    norm = _normalise_text(distinct).str.replace(_SPACES_RE, "", regex=True)
    split = pd.DataFrame(
        [_split_written(text) for text in norm],
        columns=["body", "spread", "direction", "unit"],
    )
    value, bad = _parse_texts(split["body"].astype("str"))
    spread, spread_bad = _parse_texts(split["spread"].fillna("").astype("str"))
    ranged = split["spread"].notna().to_numpy()
    bad |= ranged & (spread_bad | np.isnan(spread) | (spread < 0))
    # a missing number with an operator or unit (`以上` alone, `N/A天`) is bad, not missing
    written = split[["direction", "unit"]].notna().any(axis=1).to_numpy()
    bad |= written & np.isnan(value)
    value[bad] = np.nan
    return {
        "value": value,
        "bad": bad,
        "direction": split["direction"].where(~bad, None).to_numpy(object),
        "unit": split["unit"].where(~bad, None).to_numpy(object),
        "low": np.where(ranged & ~bad, value - spread, np.nan),
        "high": np.where(ranged & ~bad, value + spread, np.nan),
    }
