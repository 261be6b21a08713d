"""One script per screen (issue 16, Deliver 6): data names (departments, KPIs, units,
owners, partners, rules, grades) are shown in the UI language's Chinese script, converted
for display only; English, and the setting `AS_WRITTEN`, show them as stored. The store
keeps what was written, and the department filter and pickers keep working across a
change of language (they hold stored names)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from opencc import OpenCC
from openpyxl import load_workbook

from kpi_engine import build, store
from kpi_engine.auth.roles import ADMIN, Actor
from kpi_engine.core.settings import AS_WRITTEN, DEFAULTS
from kpi_engine.i18n import t
from kpi_engine.i18n.script import shown_name, shown_scorecard
from kpi_engine.reports.xlsx import report_xlsx
from tests.apps import open_page, seen, start
from tests.kpi_rows import frame, kpi
from tests.shown import charts, table_cells, texts

TRADITIONAL, SIMPLIFIED = OpenCC("s2tw"), OpenCC("t2s")
PAGES = ("overview", "scorecard", "heatmap", "trends", "whatif")
PERIOD = "2026-10"


@pytest.fixture(scope="module")
def directory(tmp_path_factory) -> Path:
    """A store holding the sample company, written in simplified characters."""
    found = tmp_path_factory.mktemp("one_script")
    with pytest.MonkeyPatch.context() as env:
        start(env, found)
    return found


def stored(directory: Path):
    engine = store.connect(data_dir=directory)
    try:
        return store.current_kpis(engine)
    finally:
        engine.dispose()


def simplified_names(directory: Path) -> dict[str, list[str]]:
    """The stored names whose traditional form differs, by column."""
    kpis = stored(directory)
    return {
        c: [n for n in kpis[c].dropna().astype(str).unique() if TRADITIONAL.convert(n) != n]
        for c in ("department", "kpi_name", "unit", "owner")
    }


def on_screen(at) -> str:
    """Every text, cell and chart datum of the page, as one string."""
    found = [texts(at), [c for _, c in table_cells(at)], [c["datasets"] for c in charts(at)]]
    return seen(json.dumps(found, ensure_ascii=False, default=str))


@pytest.mark.parametrize("page", PAGES)
def test_the_traditional_ui_shows_every_name_in_traditional(directory, page):
    names = simplified_names(directory)
    assert names["department"] and names["kpi_name"] and names["owner"]  # a real check
    with pytest.MonkeyPatch.context() as env:
        at = start(env, directory, lang="zh-Hant")
        open_page(at, page)
    assert not at.exception
    screen = on_screen(at)
    left = [n for column in names.values() for n in column if n in screen]
    assert not left, f"simplified names on the traditional {page} page: {left[:5]}"
    assert any(TRADITIONAL.convert(d) in screen for d in names["department"])


def test_the_data_pages_department_names_follow_the_ui(directory):
    departments = simplified_names(directory)["department"]
    with pytest.MonkeyPatch.context() as env:
        at = start(env, directory, lang="zh-Hant")
        open_page(at, "data")
    picker = at.selectbox(key="version_department")
    assert picker.options and all(TRADITIONAL.convert(o) == o for o in picker.options)
    assert picker.value in departments  # the store's key, for versions, restore, delete
    history = at.dataframe[0].value[t("common.department", "zh-Hant")]
    shown = {d for cell in history for d in cell}
    assert shown and shown <= {TRADITIONAL.convert(d) for d in departments} | {
        d for d in stored(directory)["department"].unique() if TRADITIONAL.convert(d) == d
    }


def test_as_written_shows_names_as_stored(tmp_path, monkeypatch):
    at = start(monkeypatch, tmp_path, lang="zh-Hant")
    engine = store.connect(data_dir=tmp_path)
    store.save_settings(engine, DEFAULTS.with_(script=AS_WRITTEN), user=Actor("王磊", ADMIN))
    engine.dispose()
    departments = simplified_names(tmp_path)["department"]
    at = start(monkeypatch, tmp_path, lang="zh-Hant")
    open_page(at, "overview")
    screen = on_screen(at)
    assert all(d in screen for d in departments)
    assert not any(TRADITIONAL.convert(d) in screen for d in departments)


def test_the_store_keeps_the_names_as_written(directory):
    columns = ["department", "kpi_name", "unit", "owner"]
    before = stored(directory)[columns]
    with pytest.MonkeyPatch.context() as env:
        at = start(env, directory, lang="zh-Hant")
        for page in PAGES:
            open_page(at, page)
    after = stored(directory)[columns]
    assert after.equals(before)
    assert "生产部" in set(after["department"])  # as the sample writes it


def test_filter_and_picker_survive_a_change_of_language(directory):
    with pytest.MonkeyPatch.context() as env:
        at = start(env, directory, lang="zh-Hans")
        at.sidebar.multiselect(key="departments").select("生产部").run()
        open_page(at, "scorecard")
        assert at.title[0].value.startswith("生产部")
        at.sidebar.selectbox(key="lang").select("zh-Hant").run()
        assert not at.exception
        assert at.sidebar.multiselect(key="departments").value == ["生产部"]
        assert "生產部" in at.sidebar.multiselect(key="departments").options
        assert seen(at.title[0].value).startswith("生產部")
        assert at.selectbox(key="scorecard_department").value == "生产部"
        open_page(at, "overview")
        ranked = next(d.value for d in at.dataframe if t("pdf.rank", "zh-Hant") in d.value.columns)
        assert list(ranked[t("common.department", "zh-Hant")]) == ["生產部"]


def _mixed():
    """A card whose names mix scripts, as two managers might write them."""
    rows = frame(
        kpi(
            department="採購物流部",
            kpi_name="准时交货率",
            unit="％",
            owner="陳靜",
            shared_with=("生产部",),
            actual=0.96,
            target=0.95,
        ),
        kpi(
            department="生产部",
            kpi_name="設備綜合效率",
            owner="刘洋",
            actual=80.0,
            target=85.0,
            perspective="internal_process",
        ),
    )
    return build(rows)


@pytest.mark.parametrize(("lang", "script"), [("zh-Hans", SIMPLIFIED), ("zh-Hant", TRADITIONAL)])
def test_no_name_mixes_scripts(lang, script):
    card = shown_scorecard(_mixed(), lang, DEFAULTS.script)
    names = [
        *card.kpis[["department", "kpi_name", "owner"]].to_numpy().ravel(),
        *(p for partners in card.kpis["shared_with"] for p in partners),
        *card.departments["department"],
    ]
    assert names and all(script.convert(n) == n for n in names)
    assert card.kpis["actual"].equals(_mixed().kpis["actual"])  # numbers untouched


def test_english_and_as_written_leave_names_as_stored():
    card = _mixed()
    assert shown_scorecard(card, "en", DEFAULTS.script) is card
    assert shown_scorecard(card, "zh-Hant", AS_WRITTEN) is card
    assert shown_name("生产部", "en", DEFAULTS.script) == "生产部"


def test_reports_convert_through_the_same_function():
    card = _mixed()
    book = load_workbook(io.BytesIO(report_xlsx(card, PERIOD, lang="zh-Hant")))
    cells = [
        str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c
    ]
    assert "生產部" in cells and "生产部" not in cells
    book = load_workbook(io.BytesIO(report_xlsx(card, PERIOD, lang="zh-Hans")))
    assert "采购物流部" in book.sheetnames or any(
        "采购物流部" in str(c)
        for row in book.worksheets[0].iter_rows(values_only=True)
        for c in row
    )


def test_a_shown_card_keeps_each_columns_kind_and_converts_a_vetos_names():
    """A KPI row's `veto` is a flag (in every row: 1.8 M at 500 units), left as it is; a
    department's `veto` names its veto KPI, and that name is converted."""
    gate = kpi(
        department="生产部",
        kpi_name="重大质量事故",
        perspective=None,
        section="veto",
        veto=True,
        direction="lower",
        target=0.0,
        actual=1.0,
    )
    card = build(frame(kpi(department="生产部", kpi_name="设备综合效率"), gate))
    shown = shown_scorecard(card, "zh-Hant", DEFAULTS.script)
    assert shown.kpis["veto"].dtype == bool
    assert shown.kpis["veto"].tolist() == card.kpis["veto"].tolist() == [False, True]
    assert [v["kpi_name"] for v in card.departments["veto"]] == ["重大质量事故"]
    assert [v["kpi_name"] for v in shown.departments["veto"]] == ["重大質量事故"]
    assert set(shown.kpis["kpi_name"]) == {"設備綜合效率", "重大質量事故"}


def test_a_column_already_in_the_screens_script_is_kept_not_copied():
    """A simplified screen of simplified names converts nothing: those columns are the
    card's own (1.8 M cells at 500 units, not copied again after every upload); a column
    with one traditional name is converted whole."""
    card = build(frame(kpi(department="生产部", kpi_name="設備綜合效率"), kpi(department="生产部")))
    shown = shown_scorecard(card, "zh-Hans", DEFAULTS.script)

    def cells(column: str, of) -> object:  # the Arrow array holding a text column's cells
        return of.kpis[column].array._pa_array

    for column in ("department", "perspective"):
        assert cells(column, shown) is cells(column, card)
    assert cells("kpi_name", shown) is not cells("kpi_name", card)
    assert set(shown.kpis["kpi_name"]) == {"设备综合效率", *card.kpis["kpi_name"][1:]}
    assert shown.kpis["kpi_name"].dtype == card.kpis["kpi_name"].dtype


def test_per_distinct_gives_the_column_itself_only_when_nothing_changed():
    import pandas as pd

    from kpi_engine.core.names import per_distinct

    column = pd.Series(["生产部", None, "生产部", "财务部"], dtype="str")
    assert per_distinct(column, str, same_if_unchanged=True) is column
    changed = per_distinct(column, TRADITIONAL.convert, same_if_unchanged=True)
    assert changed is not column
    assert changed.tolist()[0] == "生產部" and pd.isna(changed.tolist()[1])
    assert per_distinct(column, str) is not column  # asked for the results as objects
