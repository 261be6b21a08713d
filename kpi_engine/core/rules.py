"""Deduction and bonus rules as sheets write them (扣分制, SPEC §5.8): text -> a small typed rule.

A 评分标准 cell such as `每低于目标1%扣2分，扣完为止` is one or more clauses, each one of:

- a scoring clause `每` + verb + [目标] + [N] + [unit] + (扣|减|加) + M + `分`: the verb says
  what is measured (the shortfall below the target, the excess above it, or a count of
  events: the actual itself), the points word whether M points are taken or given for each
  N of it;
- a limit: `扣完为止` (never below 0), `最多扣X分`, `最高加X分` / `加分上限X分`;
- `达到目标得满分` / `完成目标得满分`, which says the default (full points at target).

The words are TABLES below (extend them as sheets bring new spellings); the parser only
strings them together. Text is read as `names.simplified` reads names (traditional
characters as simplified), full-width forms as half-width (NFKC), spaces ignored. Clauses
may be separated by `；` `;` `，` `,` `。` `、`, brackets or line breaks, or follow each other
directly, and may be numbered (`1.`, `2、`, `①`). Numbers are Arabic (`2`, `0.5`) or simple Chinese numerals (`两`, `十五`, `半`).
A rule is read whole or not at all: one part the tables do not cover makes the whole text
unread (`parse` gives None, `unread_part` names that part), so a rule is never half-applied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

from kpi_engine.core.names import simplified

DEDUCT, BONUS = "deduct", "bonus"
# What a clause measures: how far the actual is below the target, above it, or the
# actual itself (a count of events, 每发生1次).
SHORTFALL, EXCESS, COUNT = "shortfall", "excess", "count"
# The unit of a clause's step N: a percent (`1%`, `1个百分点`: a percentage point of a KPI
# in percent, else 1 % of the target), or the KPI's own unit (`1天`, `1次`, or none written).
PERCENT, KPI_UNIT = "percent", "kpi_unit"

# -- tables --------------------------------------------------------------------------------

# Verbs of a deduction clause (扣 / 减) and what each measures.
DEDUCT_VERBS: Mapping[str, str] = {
    **dict.fromkeys(
        ("低于", "少于", "未达", "未达到", "未完成", "减少", "下降", "降低", "不足", "低", "少", "差"),
        SHORTFALL,
    ),
    **dict.fromkeys(
        ("延迟", "延误", "逾期", "超过", "超出", "高于", "多于", "增加", "上升", "超", "高", "多"),
        EXCESS,
    ),
    **dict.fromkeys(("发生", "出现"), COUNT),
}  # fmt: skip
# Verbs of a bonus clause (加) and what each measures. 提前 (early) is time saved: how far
# the actual (days, hours) is below the target.
BONUS_VERBS: Mapping[str, str] = {
    **dict.fromkeys(
        ("超过", "超出", "高于", "超额", "超额完成", "多于", "增加", "提高", "超", "高", "多"),
        EXCESS,
    ),
    **dict.fromkeys(("提前",), SHORTFALL),
}  # fmt: skip
# Words that take points away or give them, as written before M.
DEDUCT_WORDS: tuple[str, ...] = ("扣", "减", "扣除", "扣减", "减去")
BONUS_WORDS: tuple[str, ...] = ("加", "奖励", "奖", "增加")
# The target named between the verb and N (optional: `每低于1%` means the same).
TARGET_WORDS: tuple[str, ...] = ("目标值", "目标", "计划值", "计划", "预算", "标准值", "标准")
# Units of N: percent forms, and the units KPIs are counted in (N is in the KPI's own
# unit whichever of these is written: no unit is converted, as no actual is, SPEC §5.4).
PERCENT_UNITS: tuple[str, ...] = ("%", "个百分点", "百分点", "个点")
KPI_UNITS: tuple[str, ...] = (
    "天", "日", "个工作日", "工作日", "小时", "分钟", "个月", "月", "周",
    "次", "人次", "起", "件", "宗", "例", "个", "项", "人", "名", "户", "家", "篇", "份",
    "台", "套", "元", "千元", "万元", "万", "百万元", "亿元", "亿", "吨", "分",
)  # fmt: skip
# A KPI's unit column saying the KPI is in percent (compared NFKC'd and case-folded).
PERCENT_KPI_UNITS: frozenset[str] = frozenset({"%", "百分比", "百分点", "percent", "pct"})
# Limits, as patterns around the number X (`{X}`): the deduction at most X points, the
# points at most full + X.
DEDUCTION_LIMITS: tuple[str, ...] = (
    "最多扣{X}分", "最多扣除{X}分", "最多减{X}分", "最高扣{X}分", "最高扣除{X}分",
    "扣分上限{X}分", "扣分上限为{X}分", "扣分最多{X}分", "扣分不超过{X}分",
    "累计扣分不超过{X}分", "累计最多扣{X}分",
)  # fmt: skip
BONUS_LIMITS: tuple[str, ...] = (
    "最高加{X}分", "最多加{X}分", "加分上限{X}分", "加分上限为{X}分", "加分最多{X}分",
    "加分最高{X}分", "加分不超过{X}分", "累计加分不超过{X}分", "最高奖励{X}分",
    "最多奖励{X}分",
)  # fmt: skip
# Phrases that say points never go below 0 (always true of a rule's points).
UNTIL_ZERO: tuple[str, ...] = (
    "扣完为止", "扣完即止", "扣完即可", "扣完", "直至扣完", "扣至0分为止", "扣到0分为止",
    "扣至零分为止", "扣到零分为止", "最低0分", "最低为0分", "最低得0分", "最低零分",
)  # fmt: skip
# Phrases that say the default: full points when the target is met.
FULL_AT_TARGET: tuple[str, ...] = (
    "达到目标得满分", "达到目标值得满分", "完成目标得满分", "完成目标值得满分",
    "达到目标的得满分", "完成目标的得满分", "达到或超过目标得满分", "达标得满分",
    "达到目标值的得满分", "完成目标值的得满分", "达到目标满分", "完成目标满分",
)  # fmt: skip
# What may stand between two clauses (after NFKC: `，；（）` are `,;()`).
SEPARATORS = ",;。、()[]【】:"
# A clause's number before it (`1.`, `2、`, `一、`, `(1)`; NFKC makes `①` a plain `1`).
NUMBERING = r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})[、.)]|[0-9]{1,2}"
# Chinese numerals people write in rules (`扣两分`, `每发生一次`, `每低于半个百分点`).
CHINESE_DIGITS: Mapping[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
CHINESE_TENS: Mapping[str, int] = {"十": 10, "百": 100}
HALF = "半"

# -- the parsed form ----------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """Each `step` (in `unit`) of the `measure` takes away (DEDUCT) or gives (BONUS)
    `points` points, proportionally: 4.5 steps of `扣2分` take 9."""

    kind: str  # DEDUCT or BONUS
    measure: str  # SHORTFALL, EXCESS or COUNT
    step: float  # N, default 1
    unit: str  # PERCENT or KPI_UNIT
    points: float  # M
    verb: str  # as written (simplified script), for showing the rule back


@dataclass(frozen=True)
class Rule:
    """A rule read whole: its scoring clauses and its limits (None: none written)."""

    clauses: tuple[Clause, ...]
    max_deduction: float | None = None  # 最多扣X分
    max_bonus: float | None = None  # 最高加X分 / 加分上限X分
    until_zero: bool = False  # 扣完为止 written (points never go below 0 anyway)

    @property
    def has_bonus(self) -> bool:
        return any(c.kind == BONUS for c in self.clauses)

    @property
    def needs_target(self) -> bool:
        """Whether some clause measures a distance from the target (not only counts)."""
        return any(c.measure != COUNT for c in self.clauses)

    @property
    def measures_percent(self) -> bool:
        """Whether some clause measures in percent (of the target, unless the KPI is in
        percent: then in percentage points)."""
        return any(c.unit == PERCENT and c.measure != COUNT for c in self.clauses)


# -- the parser ---------------------------------------------------------------------------


def _alternation(words: Collection[str]) -> str:
    """A regex alternation of `words`, longest first (`个百分点` before `个`)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_NUMBER = (
    r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
    rf"|[{''.join(CHINESE_DIGITS)}{''.join(CHINESE_TENS)}{HALF}]+"
)
_CLAUSE = re.compile(
    rf"每(?P<verb>{_alternation([*DEDUCT_VERBS, *BONUS_VERBS])})"
    rf"(?:{_alternation(TARGET_WORDS)})?"
    rf"(?P<step>{_NUMBER})?"
    rf"(?P<unit>{_alternation([*PERCENT_UNITS, *KPI_UNITS])})?"
    rf"[{re.escape(SEPARATORS)}]?"  # `每低于1%，扣2分`
    rf"(?:(?P<deduct>{_alternation(DEDUCT_WORDS)})|(?P<bonus>{_alternation(BONUS_WORDS)}))"
    rf"(?P<points>{_NUMBER})分"
)


def _limit_pattern(forms: Collection[str]) -> re.Pattern[str]:
    parts = [re.escape(f).replace(re.escape("{X}"), f"(?:{_NUMBER})") for f in forms]
    # one group for X whichever form matched: the forms are tried as one alternation
    return re.compile("|".join(f"(?:{p})" for p in sorted(parts, key=len, reverse=True)))


_DEDUCTION_LIMIT = _limit_pattern(DEDUCTION_LIMITS)
_BONUS_LIMIT = _limit_pattern(BONUS_LIMITS)
_UNTIL_ZERO = re.compile(_alternation(UNTIL_ZERO))
_FULL_AT_TARGET = re.compile(_alternation(FULL_AT_TARGET))
_NUMBER_IN = re.compile(_NUMBER)
_SEPARATOR_RUN = re.compile(rf"[{re.escape(SEPARATORS)}]+")
# ...taken as one only before a clause or limit, so that no number is read away
_STARTS = {"每", *(p[0] for p in (*DEDUCTION_LIMITS, *BONUS_LIMITS, *UNTIL_ZERO, *FULL_AT_TARGET))}
_NUMBERING = re.compile(rf"(?:{NUMBERING})(?=[{''.join(sorted(_STARTS))}])")


def number(text: str) -> float | None:
    """`2`, `0.5`, `两`, `十五`, `二十`, `一百`, `半` as a number; None if not one."""
    if text[0].isdigit() or text[0] == ".":
        return float(text)
    if text == HALF:
        return 0.5
    total, digit = 0, None
    for char in text:
        if char in CHINESE_DIGITS:
            if digit is not None:  # `二二`: no numeral
                return None
            digit = CHINESE_DIGITS[char]
        elif char in CHINESE_TENS:
            total += (1 if digit is None else digit) * CHINESE_TENS[char]
            digit = None
        else:  # `半` inside a numeral
            return None
    return float(total + (digit or 0))


def normalise(text: str) -> str:
    """A rule as the tables are written: simplified script, half-width, lower case, and
    no spaces (line breaks are separators, so they become `;`)."""
    s = unicodedata.normalize("NFKC", simplified(text)).casefold()
    s = re.sub(r"[\r\n\u2028\u2029]+", ";", s)
    return re.sub(r"\s+", "", s)


def _clause(found: re.Match[str]) -> Clause | None:
    """The clause a `_CLAUSE` match writes, or None when its words do not go together
    (a verb of the other kind, a count in percent, a numeral that is none)."""
    kind = DEDUCT if found["deduct"] else BONUS
    verbs = DEDUCT_VERBS if kind == DEDUCT else BONUS_VERBS
    measure = verbs.get(found["verb"])
    step = number(found["step"]) if found["step"] else 1.0
    points = number(found["points"])
    unit = PERCENT if found["unit"] in PERCENT_UNITS else KPI_UNIT
    if measure is None or step is None or points is None or step <= 0:
        return None
    if measure == COUNT and unit == PERCENT:
        return None
    return Clause(kind, measure, step, unit, points, found["verb"])


def _limit(found: re.Match[str]) -> float | None:
    return number(_NUMBER_IN.search(found[0])[0])  # type: ignore[index]  # the pattern holds one


@lru_cache(maxsize=4096)
def _scan(text: str) -> tuple[Rule | None, str | None]:
    """(the rule, None), or (None, the first part not understood)."""
    s = normalise(text)
    clauses: list[Clause] = []
    limits: dict[str, float] = {}
    until_zero = False
    at = 0
    while True:
        gap = _SEPARATOR_RUN.match(s, at)
        at = gap.end() if gap else at
        if at >= len(s):
            break
        if numbered := _NUMBERING.match(s, at):
            at = numbered.end()
        found = _CLAUSE.match(s, at)
        if found and (clause := _clause(found)):
            clauses.append(clause)
        elif found := _DEDUCTION_LIMIT.match(s, at) or _BONUS_LIMIT.match(s, at):
            key = "deduct" if found.re is _DEDUCTION_LIMIT else "bonus"
            value = _limit(found)
            if value is None:
                return None, found[0]
            limits[key] = min(limits.get(key, value), value)
        elif found := _UNTIL_ZERO.match(s, at):
            until_zero = True
        elif not (found := _FULL_AT_TARGET.match(s, at)):
            return None, _SEPARATOR_RUN.split(s[at:], maxsplit=1)[0]
        at = found.end()
    if not clauses:
        return None, s or text
    return Rule(tuple(clauses), limits.get("deduct"), limits.get("bonus"), until_zero), None


def percent_unit(unit: object) -> bool:
    """Whether a KPI's unit cell says the KPI is in percent (`%`, `％`, `百分比`)."""
    if not isinstance(unit, str):
        return False
    return unicodedata.normalize("NFKC", simplified(unit)).strip().casefold() in PERCENT_KPI_UNITS


def parse(text: object) -> Rule | None:
    """The rule a 评分标准 cell states, or None when it states none the tables read
    (an empty cell, or any part not understood: see `unread_part`)."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _scan(text)[0]


def unread_part(text: object) -> str | None:
    """The first part of a rule text the grammar does not read (normalised, as the tables
    are written), for the warning that names it; None when the whole text reads or the
    cell is empty."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _scan(text)[1]
