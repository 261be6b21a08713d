"""Streamlit's file uploader in the user's language.

The drop zone's own words (its button's "Upload" or "Browse files", "Drag and drop
files here", "200MB per file • XLSX, CSV") are English whatever the page's language, and the limit it states is Streamlit's
default, not the server's. They are hidden by CSS on Streamlit's test ids and ours drawn
in their place; the Data page states the real limit (`Limits.max_file_mb`) beneath.
"""

from __future__ import annotations

import json

_ZONE = '[data-testid="stFileUploaderDropzone"]'
_INSTRUCTIONS = '[data-testid="stFileUploaderDropzoneInstructions"]'


def _css_text(text: str) -> str:
    """`text` as a CSS string (quotes and backslashes escaped, no line breaks)."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def style(drop: str, browse: str) -> str:
    """The `<style>` putting `drop` in the drop zone and `browse` on its button."""
    return f"""<style>
{_INSTRUCTIONS} > div > * {{ display: none; }}
{_INSTRUCTIONS} > div::before {{ content: {_css_text(drop)}; }}
{_ZONE} button [data-testid="stMarkdownContainer"] > * {{ display: none; }}
{_ZONE} button [data-testid="stMarkdownContainer"]::after {{ content: {_css_text(browse)}; }}
</style>"""
