"""SPEC §5.8: the 评分标准 grammar reads each rule text into the clauses and limits it
states, or not at all. One table: the text as a sheet writes it, and what it means."""

from __future__ import annotations

import pytest

from kpi_engine.core import rules
from kpi_engine.core.rules import (
    BONUS,
    COUNT,
    DEDUCT,
    EXCESS,
    KPI_UNIT,
    PERCENT,
    SHORTFALL,
    Clause,
    Rule,
)


def deduct(measure: str, points: float, *, step: float = 1.0, unit: str = KPI_UNIT, verb: str):
    return Clause(DEDUCT, measure, step, unit, points, verb)


def bonus(measure: str, points: float, *, step: float = 1.0, unit: str = KPI_UNIT, verb: str):
    return Clause(BONUS, measure, step, unit, points, verb)


READ = [
    # the worked example, and every deduction verb
    (
        "每低于目标1%扣2分，扣完为止",
        Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),), until_zero=True),
    ),
    ("每少于目标1人扣1分", Rule((deduct(SHORTFALL, 1, verb="少于"),))),
    ("每未达目标1%扣1分", Rule((deduct(SHORTFALL, 1, unit=PERCENT, verb="未达"),))),
    ("每减少1万元扣0.5分", Rule((deduct(SHORTFALL, 0.5, verb="减少"),))),
    ("每下降1个百分点扣3分", Rule((deduct(SHORTFALL, 3, unit=PERCENT, verb="下降"),))),
    ("每延迟1天扣1分", Rule((deduct(EXCESS, 1, verb="延迟"),))),
    ("每超过目标1%扣2分", Rule((deduct(EXCESS, 2, unit=PERCENT, verb="超过"),))),
    ("每超出预算1%扣1分", Rule((deduct(EXCESS, 1, unit=PERCENT, verb="超出"),))),
    ("每高于目标2小时扣1分", Rule((deduct(EXCESS, 1, step=2, verb="高于"),))),
    ("每多于目标1次扣2分", Rule((deduct(EXCESS, 2, verb="多于"),))),
    ("每增加1起扣5分", Rule((deduct(EXCESS, 5, verb="增加"),))),
    ("每发生1次扣5分", Rule((deduct(COUNT, 5, verb="发生"),))),
    # 减 as the deduction word; N and the target word left out (N defaults to 1)
    ("每低于目标减2分", Rule((deduct(SHORTFALL, 2, verb="低于"),))),
    ("每发生一次减5分", Rule((deduct(COUNT, 5, verb="发生"),))),
    # every bonus verb
    ("每超过目标1%加1分", Rule((bonus(EXCESS, 1, unit=PERCENT, verb="超过"),))),
    ("每超出目标1%加1分", Rule((bonus(EXCESS, 1, unit=PERCENT, verb="超出"),))),
    ("每高于目标1个百分点加2分", Rule((bonus(EXCESS, 2, unit=PERCENT, verb="高于"),))),
    ("每超额10%加1分", Rule((bonus(EXCESS, 1, step=10, unit=PERCENT, verb="超额"),))),
    ("每提前1天加0.5分", Rule((bonus(SHORTFALL, 0.5, verb="提前"),))),
    # limits
    (
        "每低于目标1%扣2分，最多扣10分",
        Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),), max_deduction=10),
    ),
    (
        "每超过目标1%加1分，最高加5分",
        Rule((bonus(EXCESS, 1, unit=PERCENT, verb="超过"),), max_bonus=5),
    ),
    (
        "每超过目标1%加1分；加分上限3分",
        Rule((bonus(EXCESS, 1, unit=PERCENT, verb="超过"),), max_bonus=3),
    ),
    # the default said out loud, and several clauses at once
    (
        "达到目标值得满分；每低于目标1%扣2分；每超过目标1%加1分，最高加5分；扣完为止",
        Rule(
            (
                deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),
                bonus(EXCESS, 1, unit=PERCENT, verb="超过"),
            ),
            max_bonus=5,
            until_zero=True,
        ),
    ),
    (
        "完成目标得满分,每延迟1天扣1分,每发生1次扣5分,最多扣20分",
        Rule(
            (deduct(EXCESS, 1, verb="延迟"), deduct(COUNT, 5, verb="发生")),
            max_deduction=20,
        ),
    ),
    # line breaks, spaces, brackets, no separator at all
    (
        "每低于目标1%扣2分\n每超过目标1%加1分\n加分上限3分",
        Rule(
            (
                deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),
                bonus(EXCESS, 1, unit=PERCENT, verb="超过"),
            ),
            max_bonus=3,
        ),
    ),
    (
        " 每低于 目标 1 % 扣 2 分 （扣完为止）",
        Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),), until_zero=True),
    ),
    (
        "每低于目标1%扣2分扣完为止",
        Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),), until_zero=True),
    ),
    ("每低于目标1%，扣2分", Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),))),
    # full-width digits and punctuation
    (
        "每低于目标１％扣２分；扣完为止",
        Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),), until_zero=True),
    ),
    # traditional script
    (
        "每低於目標1個百分點扣2分，扣完為止",
        Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),), until_zero=True),
    ),
    ("每發生1次扣5分", Rule((deduct(COUNT, 5, verb="发生"),))),
    (
        "每超額1%加1分，加分上限5分",
        Rule((bonus(EXCESS, 1, unit=PERCENT, verb="超额"),), max_bonus=5),
    ),
    ("每延遲1天減1分，最多扣10分", Rule((deduct(EXCESS, 1, verb="延迟"),), max_deduction=10)),
    # numbered clauses (① is a plain 1 once read)
    (
        "1.每低于目标1%扣2分；2.扣完为止",
        Rule((deduct(SHORTFALL, 2, unit=PERCENT, verb="低于"),), until_zero=True),
    ),
    (
        "①每发生1次扣5分②最多扣10分",
        Rule((deduct(COUNT, 5, verb="发生"),), max_deduction=10),
    ),
    (
        "一、每延迟1天扣1分\n二、扣完为止",
        Rule((deduct(EXCESS, 1, verb="延迟"),), until_zero=True),
    ),
    # Chinese numerals and decimals
    (
        "每低于目标两个百分点扣三分",
        Rule((deduct(SHORTFALL, 3, step=2, unit=PERCENT, verb="低于"),)),
    ),
    ("每低于目标0.5%扣1.5分", Rule((deduct(SHORTFALL, 1.5, step=0.5, unit=PERCENT, verb="低于"),))),
    ("每发生一起扣十分，最多扣二十分", Rule((deduct(COUNT, 10, verb="发生"),), max_deduction=20)),
]


@pytest.mark.parametrize(("text", "meaning"), READ, ids=[text for text, _ in READ])
def test_a_rule_text_reads_as_the_clauses_and_limits_it_states(text, meaning):
    assert rules.parse(text) == meaning
    assert rules.unread_part(text) is None


UNREAD = [
    # (text, the part named as not understood)
    ("按完成情况酌情扣分", "按完成情况酌情扣分"),
    ("每低于目标1%扣2分，另行考核", "另行考核"),
    ("每低于目标1%扣2分；领导评分", "领导评分"),
    ("低于目标扣2分", "低于目标扣2分"),  # no 每: a flat deduction, not a rate
    ("每发生1%扣2分", "每发生1%扣2分"),  # a count in percent
    ("每发生1次加2分", "每发生1次加2分"),  # 发生 is no bonus verb
    ("每提前1天扣1分", "每提前1天扣1分"),  # 提前 is no deduction verb
    ("扣完为止", "扣完为止"),  # a limit with nothing to limit
    ("达到目标得满分", "达到目标得满分"),
    ("每低于目标0%扣2分", "每低于目标0%扣2分"),  # a step of nothing
    ("每低于目标1%扣2分，10分", "10分"),  # a number is no clause's number
    ("每低于目标1%扣2分，2.", "2."),
]


@pytest.mark.parametrize(("text", "part"), UNREAD, ids=[text for text, _ in UNREAD])
def test_a_rule_with_any_part_not_understood_is_not_read_at_all(text, part):
    assert rules.parse(text) is None
    assert rules.unread_part(text) == part


@pytest.mark.parametrize("cell", [None, "", "   ", 3.0])
def test_an_empty_or_non_text_cell_states_no_rule(cell):
    assert rules.parse(cell) is None
    assert rules.unread_part(cell) is None


def test_what_a_rule_needs_of_its_kpi():
    worked = rules.parse("每低于目标1%扣2分")
    events = rules.parse("每发生1次扣5分，最多扣20分")
    days = rules.parse("每延迟1天扣1分，每超过目标1%加1分")
    assert worked is not None and events is not None and days is not None
    assert (worked.needs_target, worked.measures_percent, worked.has_bonus) == (True, True, False)
    assert (events.needs_target, events.measures_percent, events.has_bonus) == (False, False, False)
    assert (days.needs_target, days.measures_percent, days.has_bonus) == (True, True, True)


@pytest.mark.parametrize(
    ("unit", "percent"),
    [("%", True), ("％", True), ("百分比", True), ("天", False), ("次", False), (None, False)],
)
def test_a_unit_cell_saying_percent(unit, percent):
    assert rules.percent_unit(unit) is percent
