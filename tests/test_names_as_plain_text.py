"""Names are never Markdown (issue 12): a department, file or scenario name such as
`![x](http://…)` shows as those characters on every page, and no viewer's browser is sent
to fetch anything."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.apps import open_page, start
from tests.workbooks import form, xlsx
from ui.text import plain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = "![x](http://127.0.0.1:9/p.png):red[部]"
FILE = "[报表](http://127.0.0.1:9/f).xlsx"
# Markdown an unescaped name would turn into an image, a link or a coloured span.
ACTIVE = re.compile(r"(?<!\\)!\[x|(?<!\\)\]\(http|(?<!\\):red\[部|(?<!\\)\[报表")


def _form() -> bytes:
    return xlsx(
        form(
            [HOSTILE, "客户", "H-1", "满意度", "越高越好", 1, 0.9, 0.92],
            [HOSTILE, "财务", "H-2", "收入", "越高越好", 1, 100, 90],
            title="2026年10月 KPI 考核表",
        )
    )


def _markdown(at: AppTest) -> list[str]:
    """Every text the page renders as Markdown."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "success")
    found = [e.value for kind in kinds for e in getattr(at, kind)]
    found += [e.value for kind in ("warning", "error", "toast") for e in getattr(at, kind)]
    found += [m.label for m in at.metric]
    return found


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppTest]:
    with pytest.MonkeyPatch.context() as env:
        at = start(env, tmp_path_factory.mktemp("app"))
        open_page(at, "data")
        at.file_uploader(key="uploader").upload(FILE, _form(), XLSX).run()
        assert not at.exception
        yield at


def test_plain_escapes_every_markdown_sign() -> None:
    assert plain(HOSTILE) == r"\!\[x\]\(http\://127.0.0.1\:9/p.png\)\:red\[部\]"
    assert plain("- 1. x") == r"\- 1. x" and plain("1. 部") == r"1\. 部"
    assert plain("财务部 2026-10 12.5") == "财务部 2026-10 12.5"


def test_the_data_page_shows_the_file_and_department_names_as_written(app: AppTest) -> None:
    shown = _markdown(app)
    assert any(plain(FILE) in text for text in shown)  # the file summary
    assert not [text for text in shown if ACTIVE.search(text)]


def test_the_delete_confirmation_and_its_toast_name_the_file_as_plain_text(app: AppTest) -> None:
    open_page(app, "data")
    app.selectbox(key="version_department").select(HOSTILE).run()
    app.button(key="delete").click().run()
    warnings = [w.value for w in app.warning]
    assert any(plain(FILE) in w and plain(HOSTILE) in w for w in warnings)
    app.button(key="confirm_delete").click().run()
    assert not [text for text in _markdown(app) if ACTIVE.search(text)]
    app.button(key="undo").click().run()
    assert not [text for text in _markdown(app) if ACTIVE.search(text)]


@pytest.mark.parametrize("page", ["overview", "scorecard", "heatmap", "trends", "whatif"])
def test_no_page_renders_a_name_as_markdown(app: AppTest, page: str) -> None:
    open_page(app, page)
    if page == "scorecard":
        app.selectbox(key="scorecard_department").select(HOSTILE).run()
        assert app.title[0].value.startswith(plain(HOSTILE))
    assert not app.exception
    assert not [text for text in _markdown(app) if ACTIVE.search(text)]


def test_a_scenario_name_is_plain_text_in_the_caption_and_toast(app: AppTest) -> None:
    open_page(app, "whatif")
    app.text_input(key="whatif_name").input("[x](http://127.0.0.1:9/s)").run()
    assert not [text for text in _markdown(app) if ACTIVE.search(text)]
