"""A copy of the published rows as last read whole (`uploads.StoredRows`), kept in a file
beside the store, so that a new server process starts from it and reads from the store
only what changed since (`uploads.stored_rows`), not a whole group's history again: at 500
units the whole read is 1.8 M rows and 40 s here, the copy under 2 s.

The copy is only ever a head start. It names the last data action it includes (id and
time), which `stored_rows` looks up in the store before trusting anything: a copy of
another store, of a store put back from an older backup, or one that cannot be read, from
another version of this code or half written, is not used and the store is read whole.
Text columns are kept as codes into their distinct values (3 s to write at 500 units
instead of 12 s for 1.8 M Python strings a column). The file is private to the app's
user, as the store is, and holds nothing the store does not; it is a pickle, read only
from the data directory, which whoever could write could change the store itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpi_engine.core.schema import KPI_COLUMNS
from kpi_engine.store.migrations import SCHEMA_VERSION
from kpi_engine.store.uploads import StoredRows

# What a copy must have been written by to be read: raise FORMAT when what a stored row
# holds changes without a migration (`codec.frame`).
FORMAT = 1
_HEADER = ("kpi-rows", FORMAT, SCHEMA_VERSION, tuple(KPI_COLUMNS), pd.__version__)
_TEMPORARY = ".rows-"
_ABANDONED_S = 3600.0


def snapshot_path(directory: Path, url: str) -> Path:
    """Where the copy of the store at `url` is kept in the data directory: named by a
    digest of the URL (a PostgreSQL URL's password is never written anywhere)."""
    return directory / "cache" / f"rows-{hashlib.sha256(url.encode()).hexdigest()[:16]}.pickle"


def read_snapshot(path: Path) -> StoredRows | None:
    """The rows kept at `path`; None when there is no copy this code can use."""
    try:
        with path.open("rb") as kept:
            if pickle.load(kept) != _HEADER:
                return None
            since, columns, index = pickle.load(kept)
        rows = pd.DataFrame({name: _unpacked(column, index) for name, column in columns})
    except Exception:  # a copy is never needed: whatever is wrong with it, read the store
        return None
    return StoredRows(rows, since)


def write_snapshot(path: Path, stored: StoredRows) -> None:
    """Keep `stored` at `path`, whole or not at all (a private temporary file renamed over
    the old copy); a data directory that cannot be written keeps no copy."""
    rows = stored.rows
    columns = [(name, _packed(rows[name])) for name in rows.columns]
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        _remove_abandoned(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=_TEMPORARY, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp: 0600
            pickle.dump(_HEADER, out, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump((stored.since, columns, rows.index), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def _remove_abandoned(directory: Path) -> None:
    """Remove the temporary files of writes that never finished (a process killed while
    writing: hundreds of megabytes at 500 units); a write still going on elsewhere, another
    instance's, is younger than `_ABANDONED_S`."""
    now = time.time()
    for temporary in directory.glob(f"{_TEMPORARY}*.tmp"):
        with contextlib.suppress(OSError):
            if now - temporary.stat().st_mtime > _ABANDONED_S:
                temporary.unlink()


def _packed(column: pd.Series) -> tuple[str, Any]:
    """A text column as codes into its distinct values (missing: -1); any other column,
    or one holding unhashable cells (each row's own dict), as it is."""
    if not (column.dtype == object or isinstance(column.dtype, pd.StringDtype)):
        return ("as is", column)
    try:
        codes, distinct = pd.factorize(column, use_na_sentinel=True)
    except TypeError:
        return ("as is", column)
    return ("codes", (codes.astype(np.int32), list(distinct), column.dtype))


def _unpacked(packed: tuple[str, Any], index: pd.Index) -> pd.Series:
    kind, values = packed
    if kind != "codes":
        return values
    codes, distinct, dtype = values
    lookup = np.empty(len(distinct) + 1, dtype=object)  # filled one by one: tuples stay cells
    for i, value in enumerate(distinct):
        lookup[i] = value
    return pd.Series(lookup[codes], index=index, dtype=dtype)  # code -1: the last, None
