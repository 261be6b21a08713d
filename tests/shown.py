"""What an AppTest run puts in front of a person: the words of its texts and metrics,
the cells of its tables as the grid draws them, and the data its charts' tooltips read.

The grid draws a null cell as the dataframe's `placeholder` ("None" when unset), a
Styler's display value where it has one, else the value; Vega-Lite prints a null in a
tooltip as "null" (or formats it as 0). These helpers reproduce that, so a test can ask
whether anything reads 'None' without a browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

UNSET = "None"  # what Streamlit's grid draws for a missing cell without a placeholder
# 'None', 'nan', 'NaN', 'null' as words (a Chinese character next to one still counts).
NONE_WORDS = re.compile(r"(?<![A-Za-z])(None|nan|NaN|null|NaT|<NA>)(?![A-Za-z])")
TEXT_TYPES = ("markdown", "caption", "info", "warning", "error", "success", "toast")
HEADINGS = ("title", "header", "subheader")


def _missing(value: object) -> bool:
    if isinstance(value, list | tuple | dict):
        return False
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def texts(at: AppTest) -> list[str]:
    """Every text, heading, metric (label, value, delta) and widget label and option."""
    out: list[str] = []
    for kind in (*TEXT_TYPES, *HEADINGS):
        out += [str(e.value) for e in at.get(kind)]
    for metric in at.metric:
        out += [metric.label, metric.value, metric.proto.delta]
    for kind in ("selectbox", "multiselect", "radio", "select_slider", "slider"):
        for widget in at.get(kind):
            out.append(str(widget.label))
            out += [str(o) for o in getattr(widget.proto, "options", ())]
    return out


def _frame(data: bytes) -> pd.DataFrame:
    return dataframe_util.convert_arrow_bytes_to_pandas_df(data)


def table_cells(at: AppTest) -> Iterator[tuple[int, str]]:
    """(table number, cell text as drawn) for every cell of every dataframe and editor."""
    for n, table in enumerate(at.dataframe):
        values = table.value
        styler = table.proto.arrow_data.styler
        display = _frame(styler.display_values) if styler.display_values else None
        placeholder = table.proto.placeholder if table.proto.HasField("placeholder") else UNSET
        for i in range(len(values)):
            for j in range(values.shape[1]):
                value = values.iat[i, j]
                if _missing(value):
                    yield n, placeholder
                elif display is not None:
                    yield n, str(display.iat[i, j])
                else:
                    yield n, str(value)


def charts(at: AppTest) -> list[dict[str, Any]]:
    """Every Vega-Lite spec on the page, with its datasets as lists of records."""
    found = []
    for chart in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        datasets = {d.name: _frame(d.data.data).to_dict("records") for d in chart.proto.datasets}
        if chart.proto.HasField("data") and chart.proto.data.data:
            datasets[""] = _frame(chart.proto.data.data).to_dict("records")
        for name, values in spec.get("datasets", {}).items():
            datasets[name] = values
        found.append({"spec": spec, "datasets": datasets})
    return found


def tooltip_fields(spec: object) -> set[str]:
    """The fields any tooltip of a Vega-Lite spec reads (layers and facets included)."""
    fields: set[str] = set()
    if isinstance(spec, dict):
        tooltip = spec.get("tooltip") if isinstance(spec.get("tooltip"), list | dict) else None
        for item in [tooltip] if isinstance(tooltip, dict) else tooltip or []:
            if isinstance(item, dict) and "field" in item:
                fields.add(item["field"])
        for value in spec.values():
            fields |= tooltip_fields(value)
    elif isinstance(spec, list):
        for value in spec:
            fields |= tooltip_fields(value)
    return fields


def tooltip_texts(chart: dict[str, Any]) -> Iterator[str]:
    """What each tooltip line would read, for every record of the chart's data."""
    fields = tooltip_fields(chart["spec"])
    for records in chart["datasets"].values():
        for record in records:
            for field in fields & set(record):
                value = record[field]
                yield "null" if _missing(value) else str(value)


def none_words(items: list[str] | Iterator[str]) -> list[str]:
    """The items that read None, nan, NaN or null somewhere."""
    return [str(text) for text in items if NONE_WORDS.search(str(text))]
