"""Names in Markdown: every text Streamlit renders as Markdown (titles, captions, alerts,
toasts, labels) shows user data (department, KPI, file and user names) as plain text.

A department named `![x](http://…)` would otherwise make every viewer's browser fetch that
address, and `:red[…]` or `$…$` would restyle the page. Catalog texts stay Markdown; only
the values put into them are escaped.
"""

from __future__ import annotations

import re

from kpi_engine.i18n import t

# CommonMark lets any ASCII punctuation be escaped with a backslash. These signs start markup
# anywhere (links, images, emphasis, code, tables, HTML, Streamlit's `:color[]`, `:icon:` and
# `$math$`); list, heading and rule signs only at the start of a line.
_MARKUP = re.compile(r"([\\`*_{}\[\]()!|<>~$:&])")
_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_LINE_SIGN = re.compile(r"^(\s*)([-+#=])")


def plain(text: object) -> str:
    """`text` escaped so that Markdown shows it character for character."""
    escaped = _MARKUP.sub(r"\\\1", str(text))
    return _LINE_SIGN.sub(r"\1\\\2", _LIST_NUMBER.sub(r"\1\\\2", escaped))


def md(key: str, lang: str, **params: object) -> str:
    """`t(key, lang, ...)` with every text parameter shown as plain text, for a Markdown
    element. Numbers are passed as they are (their formatting is the catalog's)."""
    safe = {k: plain(v) if isinstance(v, str) else v for k, v in params.items()}
    return t(key, lang, **safe)
