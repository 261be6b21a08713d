"""Names in Markdown: every text Streamlit renders as Markdown (titles, captions, alerts,
toasts, labels) shows user data (department, KPI, file and user names) as plain text.

A department named `![x](http://…)` would otherwise make every viewer's browser fetch that
address, and `:red[…]` or `$…$` would restyle the page. Catalog texts stay Markdown; only
the values put into them are escaped.
"""

from __future__ import annotations

import re

from kpi_engine.i18n import t

# CommonMark lets any ASCII punctuation be escaped with a backslash; these are the ones
# Markdown, GitHub tables and Streamlit's own directives (`:color[]`, `:icon:`, `$math$`) use.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def plain(text: object) -> str:
    """`text` escaped so that Markdown shows it character for character."""
    return _MARKUP.sub(r"\\\1", str(text))


def md(key: str, lang: str, **params: object) -> str:
    """`t(key, lang, ...)` with every text parameter shown as plain text, for a Markdown
    element. Numbers are passed as they are (their formatting is the catalog's)."""
    safe = {k: plain(v) if isinstance(v, str) else v for k, v in params.items()}
    return t(key, lang, **safe)
