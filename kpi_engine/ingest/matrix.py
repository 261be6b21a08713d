"""An AHP pairwise comparison matrix saved as CSV, read into the frame `core.weights.ahp`
takes: bytes in, names and judgements out (the mathematics stays in `core.weights`)."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from kpi_engine.core.names import fold
from kpi_engine.core.weights import MatrixError, parse_judgement
from kpi_engine.ingest.text import decode


def read_matrix(data: bytes | str) -> pd.DataFrame:
    """A pairwise comparison matrix from CSV: a header row of names, then the square matrix.

    Rows may start with their name too (the header then has a blank or any top-left cell,
    or just the names). Cells: '3', '1/3', '0.333', '１/３'; an empty cell is filled from
    its mirror. Separators comma, semicolon or tab; UTF-8 (with or without BOM), UTF-16
    with a BOM, or GBK (`text.decode`). Returns a float frame whose index and columns are the names (NaN for empty cells).
    """
    text = decode(data, ("gb18030",)) if isinstance(data, bytes) else data
    if text is None:
        raise MatrixError("the file is neither UTF-8 nor GBK text: save it as CSV (UTF-8)")
    lines = [line for line in text.splitlines() if line.strip(" ,;\t")]
    if not lines:
        raise MatrixError("the file is empty: write a header row of names, then the matrix")
    delimiter = max(",;\t", key=lines[0].count)
    rows = [[c.strip() for c in row] for row in csv.reader(lines, delimiter=delimiter)]
    header, body = rows[0], rows[1:]
    while header and not header[-1]:
        header = header[:-1]  # trailing empty cells Excel sometimes writes
    labelled = bool(body) and all(row and _is_label(row[0]) for row in body)
    if labelled:
        if header and (not header[0] or len(header) == len(body) + 1):
            header = header[1:]  # the top-left cell heads the column of row names
        row_names = [row[0] for row in body]
        body = [row[1:] for row in body]
        if [fold(r) for r in row_names] != [fold(h) for h in header]:
            raise MatrixError(
                "the rows are not named as the columns, in the same order: "
                f"rows {row_names}, columns {header}"
            )
    n = len(header)
    if n == 0 or len(body) != n:
        raise MatrixError(
            f"{n} names in the header but {len(body)} matrix rows: the matrix must be square"
        )
    cells = np.full((n, n), np.nan)
    for i, row in enumerate(body):
        if any(row[n:]):
            raise MatrixError(f"row {i + 2} has {len(row)} cells; it needs {n}")
        row = row[:n] + [""] * (n - len(row))
        cells[i] = [parse_judgement(c) for c in row]
    return pd.DataFrame(cells, index=header, columns=header)


def _is_label(cell: str) -> bool:
    """A cell that is a name rather than a judgement."""
    if not cell.strip():
        return False
    try:
        parse_judgement(cell)
    except MatrixError:
        return True
    return False
