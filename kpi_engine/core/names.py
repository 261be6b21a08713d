"""Identity: which spellings are one department or one KPI, and the one name shown for each.

Names that differ only by script (`採購物流部` / `采购物流部`), width, case, spacing or a
`部` suffix are one department (`department_key`); a KPI is its department and its
id (else its name), folded the same way. `unify` rewrites a frame of KPI rows so that each
department and KPI has one spelling, partners in `shared_with` included: every later step
(roll-ups, shared-KPI expansion, what-if, reports) can then compare names as they are.
Loading (`ingest.load_files`) and the store (`store.current_kpis`) call it, so no page,
report or CLI command sees two spellings of one department.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
from opencc import OpenCC

# Traditional -> simplified (OpenCC's dictionaries), for matching only: values are kept
# as written. One spelling per word in the tables above then matches both scripts.
_T2S = OpenCC("t2s")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def fold(text: object) -> str:
    """Normalise for matching: NFKC, traditional->simplified, casefold, no spaces/punctuation.

    Arrows survive, since they are direction values on their own.
    """
    return _fold(str(text))


@lru_cache(maxsize=1 << 17)
def _fold(text: str) -> str:
    """`fold` of a text, remembered: a 500-unit group has 50,000 KPI ids, folded by every
    `kpi_keys` (a history, its changes, its warnings) and OpenCC is the cost."""
    s = unicodedata.normalize("NFKC", text)
    if not s.isascii():
        s = _T2S.convert(s)
    s = s.casefold().strip()
    if s in {"↑", "↓"}:
        return s
    return _PUNCT.sub("", s.replace("&", "and"))


def simplified(text: object) -> str:
    """NFKC text with traditional characters made simplified, character for character, so
    that a match's position in it is the same in `unicodedata.normalize("NFKC", text)`."""
    s = unicodedata.normalize("NFKC", str(text))
    if s.isascii():
        return s
    converted = _T2S.convert(s)
    if len(converted) == len(s):
        return converted
    chars = [_T2S.convert(c) for c in s]
    return "".join(c if len(c) == 1 else o for c, o in zip(chars, s, strict=True))


_DEPT_SUFFIX = re.compile(r"(部门|部|department|dept)$")


def department_key(name: object) -> str:
    """A department name folded for matching partners: `生产部`, `生产`, `Production Dept`."""
    return _department_key(str(name))


@lru_cache(maxsize=1 << 16)
def _department_key(name: str) -> str:
    """`department_key` of a text, remembered: the same few hundred names are folded on
    every roll-up (weights, the organisation tree), and OpenCC is the cost."""
    key = fold(name)
    stripped = _DEPT_SUFFIX.sub("", key)
    return stripped or key


# Characters no name may hold, and no writer may be given: controls (an `_x0001_` escape in
# a sheet becomes one), format characters (bidirectional overrides, zero-width spaces, BOM),
# surrogates, private use and unassigned code points (U+FFFE, U+FFFF). vl-convert aborts the
# whole process on some of them, and an XML writer makes a file Excel cannot open.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def first_unsafe(text: str) -> str | None:
    """The first character of `text` that must not be stored, as `U+XXXX`, or None."""
    if text.isprintable():
        return None
    for char in text:
        if unicodedata.category(char) in _UNSAFE_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None


def printable(text: str) -> str:
    """`text` without unsafe characters (line breaks and tabs become spaces): what a writer
    is given, so that data stored before ingest refused such names cannot break it."""
    if text.isprintable():
        return text
    return "".join(
        " " if char in "\t\r\n" else char
        for char in text
        if char in "\t\r\n" or unicodedata.category(char) not in _UNSAFE_CATEGORIES
    )


def per_distinct(values: pd.Series, func, *, same_if_unchanged: bool = False) -> pd.Series:
    """`func` of each value, computed once per distinct value (a column holds a few dozen).
    Factorised in the column's own dtype: a text column's at Arrow's speed, ten times
    that of its objects (1.8 M rows at 500 units). `same_if_unchanged`: `values` itself
    when `func` gives every distinct value back as it was (names already in a screen's
    script), not a copy of each cell."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = np.empty(len(uniques) + 1, dtype=object)  # filled one by one: tuples stay whole
    for i, unique in enumerate(uniques):
        done[i] = func(unique)
    if same_if_unchanged and all(a == b for a, b in zip(done[:-1], uniques, strict=True)):
        return values
    return pd.Series(done[codes], index=values.index, dtype=object)


def department_keys(values: pd.Series) -> pd.Series:
    """`department_key` of each name (None where the name is missing)."""
    return per_distinct(values, department_key)


def _fold_codes(values: pd.Series, func: Callable[[object], str]) -> tuple[np.ndarray, list]:
    """Per row, a code of `func(value)`: equal results share one, -1 where the value is
    missing or folds to nothing. And the results, by code. `func` runs once per distinct
    value; the rest is integer arithmetic.
    """
    codes, uniques = pd.factorize(values)
    folded = pd.Series([func(u) or None for u in uniques] + [None], dtype=object)
    by_unique, results = pd.factorize(folded)
    return by_unique[codes], list(results)


# What a KPI is, column by column: its department, and its id, else its name, folded.
_IDENTITY: tuple[tuple[str, Callable[[object], str]], ...] = (
    ("department", department_key),
    ("kpi_id", fold),
    ("kpi_name", fold),
)
IDENTITY_COLUMNS: tuple[str, ...] = tuple(column for column, _ in _IDENTITY)  # `kpi_keys` reads


def kpi_parts(kpis: pd.DataFrame) -> pd.DataFrame:
    """The pieces of each row's KPI identity: `department`, `kpi_id` and `kpi_name` folded
    as `kpi_keys` compares them (None where missing or folding to nothing)."""
    parts = {}
    for column, func in _IDENTITY:
        codes, results = _fold_codes(kpis[column], func)
        folded = np.array([*results, None], dtype=object)[codes]
        parts[column] = pd.Series(folded, index=kpis.index, dtype=object)
    return pd.DataFrame(parts)


def kpi_keys(kpis: pd.DataFrame) -> pd.Series:
    """Which rows are one KPI: the same department (`department_key`) and the same id, else
    (no id) the same name, folded. Each row's KPI as a number, 0, 1, ... in order of first
    appearance, aligned with the rows; numbers compare within one frame only.
    """
    (department, _), (ids, id_values), (names, name_values) = (
        _fold_codes(kpis[column], func) for column, func in _IDENTITY
    )
    which = np.where(ids >= 0, ids, len(id_values) + 1 + names)  # the id, else the name
    width = len(id_values) + len(name_values) + 1
    codes, _ = pd.factorize((department.astype(np.int64) + 1) * width + which)
    return pd.Series(codes, index=kpis.index)


def kpi_text_keys(rows: pd.DataFrame) -> pd.Series:
    """A KPI's identity within its department as stored text, the same in every frame and
    session: `id:` and the folded id, else `name:` and the folded name. What a note or an
    action on a KPI is kept under, beside the department's `department_key`."""
    ids, id_values = _fold_codes(rows["kpi_id"], fold)
    names_, name_values = _fold_codes(rows["kpi_name"], fold)
    texts = np.array(  # one text per distinct key, put in place by its code
        [*(f"id:{v}" for v in id_values), *(f"name:{v}" for v in name_values), "name:"],
        dtype=object,
    )
    which = np.where(
        ids >= 0, ids, len(id_values) + np.where(names_ >= 0, names_, len(name_values))
    )
    return pd.Series(texts[which], index=rows.index, dtype=object)


def kpi_labels(rows: pd.DataFrame) -> pd.Series:
    """How a KPI is named within its department, as written: its id, else its name. The
    key of a what-if override and of a Trends series, with the department beside it."""
    ids = rows["kpi_id"].astype(object)
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    return ids.where(~blank, rows["kpi_name"].astype(object)).astype(object)


def display_names(names: Iterable[object], *, preferred: Iterable[object] = ()) -> dict[str, str]:
    """Department key -> the name shown for it: the first of `preferred` with that key (the
    name first stored, or the definitions'), else the first spelling in `names`."""
    shown: dict[str, str] = {}
    for name in (*preferred, *names):
        if isinstance(name, str) and name.strip():
            shown.setdefault(department_key(name), name)
    return shown


def department_weights(
    departments: Iterable[object], weights: Mapping[str, float], *, default: float = 1.0
) -> np.ndarray:
    """Each department's weight from a settings mapping, matched by identity (a weight set
    for `采购物流部` applies to `採購物流部`); `default` for departments it does not name."""
    by_key = {department_key(name): float(w) for name, w in weights.items()}
    return np.array(
        [by_key.get(department_key(d), default) for d in departments], dtype=float
    ).reshape(-1)


def in_department_order(
    departments: Iterable[object],
    scores: Mapping[str, float] | None = None,
    *,
    order: Iterable[object] = (),
) -> list[str]:
    """Departments as every list, chart and picker shows them: those named in `order`
    (`Settings.department_order`, matched by identity) first, in that order; then the rest
    by `scores`, best first, a department without a score last; ties by name (folded, so
    `財務部` sits where `财务部` would). Never by code point alone: `人力资源部` does not come
    before `财务部` because of its first character when its score is lower."""
    place = {department_key(name): i for i, name in reversed(list(enumerate(order)))}
    scored = {} if scores is None else {str(k): v for k, v in scores.items()}

    def key(name: str) -> tuple[int, float, str, str]:
        at = place.get(department_key(name))
        if at is not None:
            return (0, float(at), "", name)
        value = scored.get(name)
        if value is None or not np.isfinite(value):
            return (1, np.inf, department_key(name), name)
        return (1, -float(value), department_key(name), name)

    return sorted(dict.fromkeys(str(d) for d in departments), key=key)


def _partners(cell: object, shown: Mapping[str, str]) -> object:
    if not isinstance(cell, tuple) or not cell:
        return cell
    return tuple(dict.fromkeys(shown.get(department_key(p), p) for p in cell))


def unify(kpis: pd.DataFrame, *, preferred: Iterable[object] = ()) -> pd.DataFrame:
    """`kpis` with one spelling per department (see `display_names`) in `department` and in
    `shared_with`, and one name and id per KPI (the first written). Rows are not reordered.
    Each is worked out once per distinct value and put in place by its code: at 500
    departments the frame has 1.8 M rows."""
    if kpis.empty:
        return kpis
    departments = kpis["department"].astype(object)
    codes, uniques = pd.factorize(departments)
    shown = display_names(uniques, preferred=preferred)
    keys = [department_key(u) for u in uniques]
    by_code = np.array(
        [u if k is None else shown.get(k, np.nan) for u, k in zip(uniques, keys, strict=True)]
        + [None],
        dtype=object,
    )
    renamed = by_code[codes]
    missing = codes < 0
    renamed[missing] = departments.to_numpy(dtype=object)[missing]
    out = kpis.assign(department=pd.Series(renamed, index=kpis.index, dtype=object))
    if "shared_with" in out.columns:
        out["shared_with"] = per_distinct(out["shared_with"], lambda c: _partners(c, shown))
    kpi = kpi_keys(out).to_numpy()
    for column in ("kpi_name", "kpi_id"):
        present = out[column].notna().to_numpy(bool)
        rows, kpi_here = np.flatnonzero(present), kpi[present]
        values = out[column].to_numpy(dtype=object, copy=True)
        kpis_present, first = _first_places(kpi_here)
        lookup = np.empty(int(kpi.max()) + 1, dtype=object)  # rows: never empty here
        lookup[kpis_present] = values[rows[first]]
        values[rows] = lookup[kpi_here]
        out[column] = pd.Series(values, index=out.index, dtype=object).astype(out[column].dtype)
    return out


def _first_places(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `codes` in order of appearance, and where each first appears. Their own
    codes count up in that order, so a first appearance is where the running maximum
    grows: two linear passes, not a groupby (1.8 M rows at 500 units)."""
    own, distinct = pd.factorize(codes)
    running = np.maximum.accumulate(own)
    return distinct, np.flatnonzero(np.r_[True, running[1:] > running[:-1]][: len(own)])
