"""The Data page reads well (issue 16, Deliver 7): the validation report says what to do in
full, one card per issue grouped by file, with sheet, row, column and value beside it; the
summary says how many rows will be imported and then how many were; the preview shows
percents as percents; Streamlit's English in the uploader is replaced by ours, with the
real size limit; an empty table is our sentence; times are on the organisation's clock."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi_engine import Limits, load_files, store
from kpi_engine.i18n import number_text, t
from tests.apps import XLSX, open_page, seen, start
from tests.workbooks import HEADER, xlsx
from ui import tables

DEPARTMENT = "质量管理部"
NAME = f"{DEPARTMENT}_2026年10月_KPI考核表.xlsx"
OTHER = "技术部_2026年10月_KPI考核表.xlsx"


def messy(department: str = DEPARTMENT) -> bytes:
    """Four good rows, a negative weight (an error, sheet row 8) and a total row (a warning);
    percent KPIs with their unit, one count."""
    rows = [
        [f"2026年10月 {department} KPI 考核表"],
        ["填报人: 陈静"],
        [*HEADER, "单位"],
        [department, "财务", "QM1", "质量成本占比", "越低越好", "40%", "3%", "2.5%", "%"],
        [None, "客户", "QM2", "客户投诉关闭率", "越高越好", "30%", "95%", "97%", "%"],
        [None, "内部流程", "QM3", "一次交检批次", "越高越好", "30%", 1200, 1350, "批"],
        [None, "学习与成长", "QM4", "质量培训覆盖率", "越高越好", "20%", "90%", "-", "%"],
        [None, "内部流程", "QM5", "来料检验及时率", "越高越好", "-10%", "95%", "96%", "%"],
        ["合计", None, None, None, None, "120%", None, None, None],
    ]
    return xlsx(rows, merges=["A4:A8"])


def all_bad() -> bytes:
    rows = [HEADER, [DEPARTMENT, "客户", "QM9", "返工率", "越低越好", "-50%", "5%", "4%"]]
    return xlsx([["2026年10月 质量管理部 KPI 考核表"], *rows])


def uploaded(monkeypatch, tmp_path, content: bytes = b"", *, lang: str = "zh-Hans"):
    at = start(monkeypatch, tmp_path, lang=lang)
    open_page(at, "data")
    at.file_uploader[0].upload(NAME, content or messy(), XLSX).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def alerts(at) -> list[str]:
    return [seen(e.value) for kind in ("error", "warning") for e in at.get(kind)]


def test_each_issue_is_a_card_with_its_full_message_and_where_it_is(monkeypatch, tmp_path):
    at = uploaded(monkeypatch, tmp_path)
    issues = load_files([(NAME, messy())]).issues
    assert len(issues) == 2
    shown = alerts(at)
    heading = t("data.issues_in_file", file=NAME, n=2)
    assert any(seen(m.value) == f"**{heading}**" for m in at.markdown)
    for issue in issues.itertuples():
        message = tables.issue_message(issue.code, issue.params, issue.message, "zh-Hans")
        (card,) = [s for s in shown if s.startswith(message)]  # the whole message, first
        where = card[len(message) :]
        assert f"{t('report.sheet')}：{issue.sheet}" in where
        assert t("data.issue_row", row=issue.row) in where
        if issue.value:
            assert f"{t('report.value')}：{issue.value}" in where
    negative = next(s for s in shown if t("issue.negative_weight") in s)
    assert "第 8 行" in negative and f"{t('report.column')}：{HEADER[5]}" in negative
    assert not [d for d in at.dataframe if t("report.message") in d.value.columns]  # no grid


def test_issues_are_grouped_by_file():
    loaded = load_files([(NAME, messy()), (OTHER, messy("技术部"))])
    groups = tables.issue_cards(loaded.issues, "en")
    assert sorted(groups) == sorted([NAME, OTHER])
    assert list(groups) == list(dict.fromkeys(loaded.issues["file"]))  # as the engine lists them
    for file, cards in groups.items():
        mine = loaded.issues[loaded.issues["file"] == file]
        assert list(cards["severity"]) == list(mine["severity"])
        assert all(cards["message"].str.len() > 0)


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_the_summary_says_will_import_then_imported(monkeypatch, tmp_path, lang):
    at = uploaded(monkeypatch, tmp_path, lang=lang)
    before = t("data.summary_pending", lang, file=NAME, accepted=4, rejected=1)
    after = t("data.summary_done", lang, file=NAME, accepted=4, rejected=1)
    lines = [seen(m.value) for m in at.markdown]
    assert f"**{before}**" in lines and f"**{after}**" not in lines
    at.button(key=next(b.key for b in at.button if b.key.startswith("accept-"))).click().run()
    lines = [seen(m.value) for m in at.markdown]
    assert f"**{after}**" in lines and f"**{before}**" not in lines
    if lang == "zh-Hans":
        assert "将导入 4 行" in before and "已导入 4 行" in after


def test_the_preview_shows_percents_as_percents(monkeypatch, tmp_path):
    at = uploaded(monkeypatch, tmp_path)
    (preview,) = [d.value for d in at.dataframe if t("common.actual") in d.value.columns]
    rows = load_files([(NAME, messy())]).kpis
    assert list(preview[t("common.actual")]) == [
        number_text(a, u) for a, u in zip(rows["actual"], rows["unit"], strict=True)
    ]
    assert "97.0%" in set(preview[t("common.actual")])  # 97% as written, not 0.97
    assert "95.0%" in set(preview[t("common.target")])
    assert "1,350" in set(preview[t("common.actual")])  # a count stays a number


def test_an_empty_preview_is_our_sentence_not_an_empty_grid(monkeypatch, tmp_path):
    at = uploaded(monkeypatch, tmp_path, all_bad())
    assert t("data.empty_table") in [i.value for i in at.info]
    assert not [d for d in at.dataframe if t("common.actual") in d.value.columns]


def test_the_uploader_states_our_limit_in_our_words(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, lang="zh-Hant")
    open_page(at, "data")
    limit = t("data.upload_limit", "zh-Hant", mb=Limits.from_env().max_file_mb)
    assert limit in [c.value for c in at.caption]
    (style,) = [h.proto.body for h in at.get("html") if "stFileUploaderDropzone" in h.proto.body]
    assert t("data.drop_here", "zh-Hant") in style and t("data.browse", "zh-Hant") in style


def clock(stamp: pd.Timestamp, zone: str) -> str:
    """A UTC time as read on `zone`'s clock, whole-hour offsets (the zones used here)."""
    local = stamp.tz_convert(zone)
    return f"{local:%Y-%m-%d %H:%M} UTC{int(local.utcoffset().total_seconds()) // 3600:+d}"


def _uploaded_at(at) -> list[str]:
    """The upload history's times (the first table with them; the versions' is below)."""
    shown = [d.value for d in at.dataframe if t("data.uploaded_at") in d.value.columns]
    return list(shown[0][t("data.uploaded_at")])


def test_times_are_on_the_organisations_clock(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    open_page(at, "data")
    stored = store.history(store.connect(data_dir=tmp_path))
    stamps = stored.loc[~stored["deleted"], "uploaded_at"]
    shanghai = [clock(s, "Asia/Shanghai") for s in stamps]
    assert all(c.endswith("UTC+8") for c in shanghai)
    assert _uploaded_at(at) == shanghai  # the default: Asia/Shanghai
    assert t("data.times_in_zone", zone="Asia/Shanghai") in [c.value for c in at.caption]

    open_page(at, "settings")
    at.selectbox(key="settings_time_zone").select("America/New_York")  # in the form
    next(b for b in at.button if b.label == t("settings.save")).click().run()
    assert not at.exception
    open_page(at, "data")
    new_york = [clock(s, "America/New_York") for s in stamps]
    assert _uploaded_at(at) == new_york
    changed = [d.value for d in (open_page(at, "settings").dataframe)]
    (log,) = [c for c in changed if t("settings.changed_at") in c.columns]
    assert all(str(v).endswith(("UTC-5", "UTC-4")) for v in log[t("settings.changed_at")])


def test_when_writes_the_offset_out():
    stamp = pd.Timestamp("2026-11-23 14:05", tz="UTC")
    assert tables.when(stamp) == "2026-11-23 22:05 UTC+8"
    assert tables.when(stamp, "Asia/Kolkata") == "2026-11-23 19:35 UTC+5:30"
    assert tables.when(stamp, "America/New_York") == "2026-11-23 09:05 UTC-5"
    assert tables.when(None) == tables.MISSING
