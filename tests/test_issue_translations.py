"""Every problem the engine reports reads in the user's language in the app."""

import string

import pytest

from kpi_engine.i18n import LANGUAGES, catalog
from kpi_engine.ingest.messages import MESSAGES
from tests.apps import open_page, start
from tests.workbooks import form, xlsx


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_issue_code_has_a_message_in_every_language(lang):
    for code, english in MESSAGES.items():
        text = catalog(lang).get(f"issue.{code}")
        assert text, f"issue.{code} missing in {lang}"
        assert placeholders(text) == placeholders(english), code
    stale = [k for k in catalog(lang) if k.startswith("issue.") and k[6:] not in MESSAGES]
    assert not stale, f"{lang}: translations of no issue code: {stale}"


def test_english_is_written_once_in_messages():
    """The English catalog does not repeat `messages`: the English text is the message."""
    assert not [k for k in catalog("en") if k.startswith("issue.")]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh-Hans", "权重为负数"), ("zh-Hant", "權重為負數"), ("en", "weight is negative")],
)
def test_the_validation_report_speaks_the_users_language(monkeypatch, tmp_path, lang, words):
    at = start(monkeypatch, tmp_path)
    at.sidebar.selectbox[0].set_value(lang).run()
    open_page(at, "data")
    bad = xlsx(form(["市场部", "财务", "M1", "营收", "越高越好", -1, 100, 90]))
    at.file_uploader[0].upload("m.xlsx", bad).run()
    cards = [str(c.value) for c in (*at.error, *at.warning)]  # one card per issue
    assert any(words in c for c in cards), cards
