"""Every word the app shows exists in simplified Chinese, traditional Chinese and English.

The catalogs are `kpi_engine/i18n/locales/<lang>.json`; `kpi_engine.i18n.t` looks a key up in the chosen
language, then in simplified Chinese, then returns the key itself.
"""

from __future__ import annotations

import json
import math
import re
import string
from pathlib import Path

import pytest

from kpi_engine import i18n
from kpi_engine.charts import specs as charts
from kpi_engine.core import insights
from kpi_engine.core.schema import PERSPECTIVES, STATUSES
from kpi_engine.i18n import (
    LANGUAGES,
    perspective_label,
    status_label,
    t,
    warning_kind_label,
)

I18N = Path(i18n.__file__).parent
CHARTS = Path(charts.__file__)
LANGS = list(LANGUAGES)


def load(lang: str) -> dict[str, str]:
    return json.loads((I18N / "locales" / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_languages_and_one_catalog_file_each():
    assert LANGUAGES == {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
    files = {p.stem for p in (I18N / "locales").glob("*.json")}
    assert files == set(LANGUAGES)


def test_every_key_in_every_language_and_non_empty():
    keys = {lang: set(load(lang)) for lang in LANGS}
    assert keys["zh-Hant"] == keys["zh-Hans"]
    # The engine's problems are English where they are written (`ingest.messages`), so
    # English has every key but those (`test_issue_translations` checks them).
    issues = {k for k in keys["zh-Hans"] if k.startswith("issue.")}
    assert issues
    assert keys["en"] == keys["zh-Hans"] - issues
    for lang in LANGS:
        empty = [k for k, v in load(lang).items() if not isinstance(v, str) or not v.strip()]
        assert not empty, f"{lang}: empty messages {empty}"


def test_placeholders_identical_across_languages():
    base = load("zh-Hans")
    for lang in ("zh-Hant", "en"):
        other = load(lang)
        differ = {k for k in other if placeholders(base[k]) != placeholders(other[k])}
        assert not differ, f"{lang}: placeholders differ in {sorted(differ)}"


# Characters only simplified Chinese writes (their traditional forms are different), and
# the other way round: a catalog using one of the other script's forms is a half-done
# conversion.
SIMPLIFIED_ONLY = set(
    "门务户权绩资数据设计报实际标态览协责简间线图热级错误传载导项没较组织总险测预环长习学与维类选择击单细趋势仪盘为个"
)
TRADITIONAL_ONLY = set(
    "門務戶權績資數據設計報實際標態覽協責簡間線圖熱級錯誤傳載導項沒較組織總險測預環長習學與維類選擇擊單細趨勢儀盤為個"
)


def test_traditional_catalog_is_traditional_not_simplified():
    hant, hans = load("zh-Hant"), load("zh-Hans")
    found = {k: v for k, v in hant.items() if set(v) & SIMPLIFIED_ONLY}
    assert not found, f"simplified characters in zh-Hant: {found}"
    found = {k: v for k, v in hans.items() if set(v) & TRADITIONAL_ONLY}
    assert not found, f"traditional characters in zh-Hans: {found}"
    same = [k for k in hans if hans[k] == hant[k] and re.search(r"[\u4e00-\u9fff]", hans[k])]
    assert len(same) < len(hans) / 3, f"too many identical messages: {same}"


@pytest.mark.parametrize(
    ("key", "hans", "hant", "en"),
    [
        ("common.department", "部门", "部門", "Department"),
        ("common.weight", "权重", "權重", "Weight"),
        ("page.data", "数据", "資料", "Data"),
        ("perspective.learning_growth", "学习与成长", "學習與成長", "Learning & growth"),
        ("perspective.customer", "客户", "客戶", "Customer"),
        # Taiwan usage: a spreadsheet row is 列 and a column is 欄 (the mainland: 行, 列).
        ("report.row", "行", "列", "Row"),
        ("report.column", "列", "欄", "Column"),
    ],
)
def test_known_wording(key, hans, hant, en):
    assert (t(key, "zh-Hans"), t(key, "zh-Hant"), t(key, "en")) == (hans, hant, en)


def test_app_title_and_pages():
    assert t("app.title", "zh-Hans") == "平衡计分卡 KPI 仪表盘"
    pages = ["overview", "scorecard", "heatmap", "trends", "data", "whatif"]
    assert [t(f"page.{p}", "zh-Hans") for p in pages] == [
        "总览",
        "部门计分卡",
        "热力图",
        "趋势",
        "数据",
        "假设分析",
    ]
    assert [t(f"page.{p}", "en") for p in pages] == [
        "Overview",
        "Scorecard",
        "Heatmap",
        "Trends",
        "Data",
        "What-if",
    ]


def test_t_falls_back_to_simplified_then_to_the_key(monkeypatch):
    assert t("no.such.key", "en") == "no.such.key"
    assert t("common.department", "fr") == "部门"  # unknown language: the default
    assert t("common.department") == "部门"
    catalogs = {"zh-Hans": {"only.hans": "仅简体"}, "zh-Hant": {}, "en": {}}
    monkeypatch.setattr(i18n, "catalog", lambda lang: catalogs.get(lang, {}))
    assert t("only.hans", "en") == "仅简体"
    assert t("only.hans", "zh-Hant") == "仅简体"


def test_t_formats_placeholders():
    assert t("overview.kpi_count", "en", n=3) == "3 KPIs"
    assert t("overview.kpi_count", "zh-Hant", n=3) == "3 項 KPI"
    assert "{n}" in t("overview.kpi_count", "en")  # no arguments: the raw message
    with pytest.raises(KeyError):
        t("overview.kpi_count", "en", m=3)


@pytest.mark.parametrize("lang", LANGS)
def test_vocabulary_labels_cover_the_engine(lang):
    for label, values in (
        (perspective_label, PERSPECTIVES),
        (status_label, STATUSES),
        (warning_kind_label, insights.WARNING_KINDS),
    ):
        texts = [label(v, lang) for v in values]
        assert all(text and text != v for text, v in zip(texts, values, strict=True)), texts
        assert len(set(texts)) == len(texts), texts
    assert i18n.WARNING_KINDS == insights.WARNING_KINDS


def test_vocabulary_labels_missing_and_unknown():
    assert status_label(None, "en") == "Missing"
    assert status_label(math.nan, "zh-Hans") == "缺失"
    assert perspective_label("unknown_p", "en") == "unknown_p"
    assert perspective_label(None, "en") == "—"
    assert [perspective_label(p, "zh-Hant") for p in PERSPECTIVES] == [
        "財務",
        "客戶",
        "內部流程",
        "學習與成長",
    ]


def test_every_key_the_charts_use_exists():
    source = CHARTS.read_text(encoding="utf-8")
    keys = set(re.findall(r"\bt\(\s*\"([a-z_.]+)\"", source))
    keys |= {f"common.{k}" for k in re.findall(r"_title\(\s*\"([a-z_]+)\"", source)}
    keys |= {f"common.{k}" for k in re.findall(r"title_key=\"([a-z_]+)\"", source)}
    assert keys, "no keys found: the pattern no longer matches charts.py"
    catalog = load("zh-Hans")
    assert sorted(k for k in keys if k not in catalog) == []
