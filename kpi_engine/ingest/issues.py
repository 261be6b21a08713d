"""Problems found in uploads, reported with file, sheet, row, column, value and what to do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import pandas as pd

from kpi_engine.core.schema import ERROR, ISSUE_COLUMNS
from kpi_engine.ingest import messages


@dataclass(frozen=True)
class Issue:
    """One problem. `row` is the Excel row number (1-based); None for file/sheet problems."""

    severity: str
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: object
    message: str
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        severity: str,
        file: str,
        sheet: str | None,
        row: int | None,
        column: str | None,
        value: object,
        code: str,
        **params: object,
    ) -> Issue:
        """An issue whose message is the English text of `code` (see `messages`)."""
        message = messages.text(code, **params)
        return cls(severity, file, sheet, row, column, value, message, code, params)


def column_letter(index: int) -> str:
    """Excel's name of a 0-based grid column: 0 -> A, 26 -> AA (an issue names its cell)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """Issues as a table, errors first, in file/sheet/row order."""
    frame = pd.DataFrame([asdict(i) for i in issues], columns=list(ISSUE_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    if frame.empty:
        return frame
    order = frame["severity"].ne(ERROR)
    return (
        frame.assign(_o=order, _r=frame["row"].fillna(0))
        .sort_values(["_o", "file", "sheet", "_r"], kind="stable", na_position="first")
        .drop(columns=["_o", "_r"])
        .reset_index(drop=True)
    )
