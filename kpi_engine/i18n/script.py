"""One script per screen (issue 16): data names shown in the UI language's Chinese script.

A workbook may spell `采购物流部` in simplified and `準時率` in traditional characters; a
traditional-Chinese screen then shows every name in traditional, a simplified one in
simplified (OpenCC, character forms only: no phrase rewriting, so a name stays the name
its department wrote). English shows names as stored, and so does the setting
`AS_WRITTEN`. Display only: stored names, the store's keys and identity
(`core.names.department_key` folds script anyway) are unchanged. Pages get their
frames converted once (`ui.data`), reports convert what they are given (same function).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

import pandas as pd
from opencc import OpenCC

from kpi_engine.core.scorecard import Scorecard, frame_with_texts, with_texts
from kpi_engine.core.settings import AS_WRITTEN

# The OpenCC configuration for each language's script. zh-Hant follows the catalog's
# Taiwan character forms (裡, 線); `s2tw` converts characters only, never vocabulary.
_CONFIGS = {"zh-Hans": "t2s", "zh-Hant": "s2tw"}


@cache
def _opencc(config: str) -> OpenCC:
    return OpenCC(config)


def converter(lang: str, script: str) -> Callable[[str], str] | None:
    """The function giving a name as `lang` shows it, or None when names show as stored
    (English, another language, or the setting `AS_WRITTEN`)."""
    config = _CONFIGS.get(lang)
    if config is None or script == AS_WRITTEN:
        return None
    opencc = _opencc(config)
    return lambda text: text if text.isascii() else opencc.convert(text)


def shown_name(name: str, lang: str, script: str) -> str:
    """One name as `lang` shows it (a widget's `format_func`, a report's title)."""
    convert = converter(lang, script)
    return name if convert is None else convert(name)


def shown_scorecard(
    card: Scorecard,
    lang: str,
    script: str,
    *,
    done: Mapping[str, pd.DataFrame] | None = None,
) -> Scorecard:
    """`card` with every people-written text (`core.scorecard.NAME_COLUMNS`) in `lang`'s
    script, once per distinct value: what pages and reports show. `card` itself when
    names show as stored. `done`: frames of `card` shown in `lang` already, by field."""
    convert = converter(lang, script)
    return card if convert is None else with_texts(card, convert, done=done)


def shown_frame(frame: pd.DataFrame, lang: str, script: str) -> pd.DataFrame:
    """KPI rows with their names in `lang`'s script (`shown_scorecard` for one frame): what
    the What-if page scores and shows."""
    convert = converter(lang, script)
    return frame if convert is None else frame_with_texts(frame, convert)
