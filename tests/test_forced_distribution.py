"""The forced distribution (SPEC §5.9): off by default; quotas per grade as a share of
the departments counted in the period, ties sharing the better grade; the grade by
distribution beside the grade by score (never in its place), and a sentence naming the
departments whose grade the quotas change."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from kpi_engine import build
from kpi_engine.core import grades
from kpi_engine.core.settings import DEFAULTS, GRADE_PRESETS, grade_table, problems
from kpi_engine.reports.tables import quota_sentence
from tests.kpi_rows import kpi

ON = DEFAULTS.with_(forced_distribution=True)  # S <= 10 %, A <= 20 %, D >= 10 %


def departments(scores: dict[str, float]) -> pd.DataFrame:
    """One KPI per department, scored exactly `score` (actual / target 100)."""
    return pd.DataFrame(
        [kpi(department=d, kpi_name="k", actual=s, target=100.0) for d, s in scores.items()]
    )


TEN = {f"部门{i}": s for i, s in enumerate([115, 112, 111, 105, 104, 103, 102, 95, 85, 81])}


def by_department(card) -> dict[str, tuple[str, str | None]]:
    d = card.departments
    return {
        n: (g, q)
        for n, g, q in zip(d["department"], d["grade"], d["distribution_grade"], strict=True)
    }


def test_off_by_default():
    assert DEFAULTS.forced_distribution is False
    card = build(departments(TEN))
    assert card.departments["distribution_grade"].isna().all()
    assert grades.changed_by_quota(card.departments).empty


def test_quotas_move_departments_down_by_rank_and_the_grade_by_score_stays():
    card = build(departments(TEN), settings=ON)
    shown = by_department(card)
    # grade by score is untouched by the quotas
    assert [shown[f"部门{i}"][0] for i in range(10)] == [*"SSSAAAABCC"]
    # S <= 10 % of 10: one S; A <= 20 %: two A; D >= 10 %: the last one
    assert [shown[f"部门{i}"][1] for i in range(10)] == [*"SAABBBBBCD"]
    changed = grades.changed_by_quota(card.departments)
    assert set(changed["department"]) == {f"部门{i}" for i in (1, 2, 3, 4, 5, 6, 9)}


def test_a_department_never_rises_above_its_grade_by_score():
    card = build(departments({"甲": 85.0, "乙": 84.0, "丙": 70.0}), settings=ON)
    assert by_department(card) == {"甲": ("C", "C"), "乙": ("C", "C"), "丙": ("D", "D")}


def test_ties_share_the_better_grade():
    scores = np.array([115.0, 115.0, 100.0, 95.0, 95.0])
    table = DEFAULTS.grades
    by_score = grades.grade_index(scores, table)
    # S <= 10 % of 5 is 0 S (floor): both 115s go to A together (A <= 20 %: one, plus the
    # one tied with it); D >= 10 % is 1 (ceiling), but the last two tie: both stay B.
    assert list(grades.names(grades.distribute(scores, by_score, table), table)) == [
        "A",
        "A",
        "B",
        "B",
        "B",
    ]


def test_the_lowest_grade_quota_takes_the_bottom_of_the_ranking():
    scores = np.array([105.0, 100.0, 96.0, 95.0, 94.0])
    table = grade_table(
        [("A", 100.0, None, None), ("B", 90.0, None, None), ("D", None, None, 40.0)]
    )
    index = grades.distribute(scores, grades.grade_index(scores, table), table)
    assert list(grades.names(index, table)) == ["A", "A", "B", "D", "D"]


def test_partner_only_departments_keep_their_grade_and_are_not_ranked():
    rows = departments(TEN)
    rows.loc[0, "shared_with"] = ("协作部",)
    card = build(rows, settings=ON)
    partner = card.departments[card.departments["department"] == "协作部"]
    assert partner["grade"].notna().all() and partner["distribution_grade"].isna().all()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh-Hans", ["部门1（按得分 S，按分布 A）", "部门9（按得分 C，按分布 D）"]),
        ("zh-Hant", ["部门1（按得分 S，按分佈 A）"]),
        ("en", ["部门1 (S by score, A by distribution)"]),
    ],
)
def test_one_sentence_names_the_departments_the_quotas_change(lang, words):
    card = build(departments(TEN), settings=ON)
    sentence = quota_sentence(card.departments, "2026-10", lang)
    assert all(w in sentence for w in words)
    assert "部门0" not in sentence and "部门7" not in sentence  # their grade stands
    assert len(re.findall(r"部门\d", sentence)) == 7


def test_no_change_is_said_too():
    card = build(departments({"甲": 95.0, "乙": 85.0, "丙": 70.0}), settings=ON)
    assert quota_sentence(card.departments, "2026-10", "en") == (
        "The forced distribution changes no department's grade."
    )


def test_switching_it_on_needs_a_quota():
    table = [(g.name, g.lowest, None, None) for g in GRADE_PRESETS["letters"]]
    assert "forced_distribution_no_quota" in problems(ON.with_(grades=table))
    assert problems(ON) == []
