"""Alias tables: what users write in headers and cells, mapped to the engine's vocabulary.

Aliases are data. To teach the parser a new header or value, add a string to a table
below; matching is case-, width-, space- and punctuation-insensitive, and traditional
characters are folded to simplified ones first (OpenCC), so one spelling per word suffices.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from functools import cache

from opencc import OpenCC

# Canonical column -> header spellings (simplified, traditional, English).
COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    "kpi_id": (
        "指标编号",
        "指標編號",
        "编号",
        "編號",
        "编码",
        "編碼",
        "指标编码",
        "指标代码",
        "代码",
        "序号编码",
        "kpi id",
        "kpi code",
        "id",
        "code",
        "kpi no",
        "kpi #",
    ),
    "kpi_name": (
        "指标名称",
        "指標名稱",
        "考核指标",
        "考核指標",
        "指标",
        "指標",
        "kpi",
        "kpi名称",
        "指标项",
        "考核项目",
        "kpi name",
        "name",
        "indicator",
        "metric",
        "measure",
    ),
    "department": (
        "部门",
        "部門",
        "责任部门",
        "責任部門",
        "所属部门",
        "部门名称",
        "单位名称",
        "department",
        "dept",
        "division",
        "owner department",
    ),
    "perspective": (
        "维度",
        "維度",
        "构面",
        "構面",
        "bsc维度",
        "平衡计分卡维度",
        "考核维度",
        "perspective",
        "bsc perspective",
        "dimension",
    ),
    "direction": (
        "指标方向",
        "指標方向",
        "方向",
        "极性",
        "極性",
        "指标极性",
        "指標極性",
        "direction",
        "polarity",
    ),
    "weight": ("权重", "權重", "权重(%)", "weight", "weighting", "weight %"),
    "target": ("目标值", "目標值", "目标", "目標", "target", "target value", "goal"),
    "actual": (
        "实际值",
        "實際值",
        "完成值",
        "实际",
        "實際",
        "实际完成",
        "完成情况",
        "actual",
        "actual value",
        "result",
        "achieved",
    ),
    "period": (
        "期间",
        "期間",
        "月份",
        "考核期",
        "考核期间",
        "考核月份",
        "统计月份",
        "period",
        "month",
        "reporting period",
    ),
    "unit": ("单位", "單位", "计量单位", "unit", "uom"),
    "owner": ("负责人", "負責人", "责任人", "責任人", "owner", "responsible", "kpi owner"),
    "floor": (
        "红线值",
        "紅線值",
        "底线值",
        "底線值",
        "零分值",
        "最低值",
        "floor",
        "zero point",
        "floor value",
    ),
    "threshold": ("门槛值", "門檻值", "门槛", "門檻", "threshold", "threshold value"),
    "stretch": (
        "挑战值",
        "挑戰值",
        "挑战目标",
        "stretch",
        "challenge",
        "stretch target",
        "challenge value",
    ),
    "target_low": (
        "目标下限",
        "目標下限",
        "下限",
        "target low",
        "target min",
        "lower bound",
        "low",
    ),
    "target_high": (
        "目标上限",
        "目標上限",
        "上限",
        "target high",
        "target max",
        "upper bound",
        "high",
    ),
    "aggregation": (
        "汇总方式",
        "彙總方式",
        "汇总",
        "彙總",
        "聚合方式",
        "aggregation",
        "aggregate",
        "rollup",
    ),
    "shared_with": (
        "协同部门",
        "協同部門",
        "协作部门",
        "協作部門",
        "共担部门",
        "共享部门",
        "shared with",
        "shared",
        "co-owners",
        "partner departments",
    ),
}

PERSPECTIVE_ALIASES: Mapping[str, tuple[str, ...]] = {
    "financial": ("财务", "財務", "财务维度", "财务层面", "financial", "finance"),
    "customer": (
        "客户",
        "客戶",
        "客户维度",
        "客户层面",
        "顾客",
        "市场与客户",
        "customer",
        "customers",
        "client",
    ),
    "internal_process": (
        "内部流程",
        "內部流程",
        "内部运营",
        "內部運營",
        "内部业务流程",
        "流程",
        "运营",
        "internal process",
        "internal processes",
        "internal business process",
        "process",
        "operations",
    ),
    "learning_growth": (
        "学习与成长",
        "學習與成長",
        "学习成长",
        "學習成長",
        "学习与发展",
        "创新与学习",
        "learning & growth",
        "learning and growth",
        "learning growth",
        "learning",
        "growth",
    ),
}

DIRECTION_ALIASES: Mapping[str, tuple[str, ...]] = {
    "higher": (
        "越高越好",
        "越大越好",
        "越多越好",
        "正向",
        "正向指标",
        "望大",
        "↑",
        "高",
        "max",
        "maximize",
        "higher",
        "higher is better",
        "up",
        "positive",
    ),
    "lower": (
        "越低越好",
        "越小越好",
        "越少越好",
        "负向",
        "負向",
        "负向指标",
        "望小",
        "↓",
        "低",
        "min",
        "minimize",
        "lower",
        "lower is better",
        "down",
        "negative",
    ),
    "range": ("区间", "區間", "区间值", "望目", "适中", "range", "target range", "between", "band"),
}

AGGREGATION_ALIASES: Mapping[str, tuple[str, ...]] = {
    "sum": ("求和", "合计", "合計", "累计", "累計", "加总", "sum", "total", "cumulative"),
    "avg": ("平均", "均值", "平均值", "avg", "average", "mean"),
    "last": ("期末", "最新", "期末值", "末值", "last", "latest", "closing", "end of period"),
}

# First-cell words of rows that are not KPIs: totals, subtotals, notes.
TOTAL_WORDS: tuple[str, ...] = (
    "合计",
    "小计",
    "总计",
    "共计",
    "total",
    "subtotal",
    "grand total",
    "sum",
)
NOTE_WORDS: tuple[str, ...] = (
    "说明",
    "备注",
    "注",
    "附注",
    "填表说明",
    "note",
    "notes",
    "remark",
    "remarks",
    "comment",
)
# Lines above the header that carry who filled the sheet in, never the title's period.
FILLER_WORDS: tuple[str, ...] = (
    "填报人",
    "填报日期",
    "填表人",
    "填表日期",
    "制表人",
    "制表日期",
    "审核人",
    "审核",
    "报送日期",
    "prepared by",
    "date",
    "reviewed by",
)

# Traditional -> simplified (OpenCC's dictionaries), for matching only: values are kept
# as written. One spelling per word in the tables above then matches both scripts.
_T2S = OpenCC("t2s")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_PAREN = re.compile(r"[(\[（【].*?[)\]）】]")


def fold(text: object) -> str:
    """Normalise for matching: NFKC, traditional->simplified, casefold, no spaces/punctuation.

    Arrows survive, since they are direction values on their own.
    """
    s = unicodedata.normalize("NFKC", str(text))
    if not s.isascii():
        s = _T2S.convert(s)
    s = s.casefold().strip()
    if s in {"↑", "↓"}:
        return s
    return _PUNCT.sub("", s.replace("&", "and"))


def _table(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, spellings in aliases.items():
        for spelling in (canonical, *spellings):
            table.setdefault(fold(spelling), canonical)
    return table


_COLUMNS = _table(COLUMN_ALIASES)
PERSPECTIVES = _table(PERSPECTIVE_ALIASES)
DIRECTIONS = _table(DIRECTION_ALIASES)
AGGREGATIONS = _table(AGGREGATION_ALIASES)


@cache
def column_for(header: object) -> str | None:
    """The canonical column a header names, or None. `目标值(万元)` matches `目标值`."""
    key = fold(header)
    if not key:
        return None
    if key in _COLUMNS:
        return _COLUMNS[key]
    bare = fold(_PAREN.sub("", unicodedata.normalize("NFKC", str(header))))
    return _COLUMNS.get(bare) if bare else None


def lookup(table: Mapping[str, str], value: object) -> str | None:
    """Canonical value for a cell through one of the value tables, or None if unknown."""
    return table.get(fold(value))


_TOTALS = frozenset(fold(w) for w in TOTAL_WORDS)
_NOTES = frozenset(fold(w) for w in NOTE_WORDS)
_FILLERS = tuple(fold(w) for w in FILLER_WORDS)


def is_total_label(text: object) -> bool:
    """A cell that marks a total or subtotal row: `合计`, `合 计：`, `Total (all)`."""
    return fold(_PAREN.sub("", str(text))) in _TOTALS


def is_note_label(text: object) -> bool:
    """A cell that starts a note row: `备注:...`, `Note: ...`, `说明`."""
    head = re.split(r"[:：]", unicodedata.normalize("NFKC", str(text)), maxsplit=1)[0]
    return fold(head) in _NOTES


def row_label(text: object) -> str | None:
    """'total' or 'note' for a cell that marks a row as not a KPI, else None."""
    if is_total_label(text):
        return "total"
    return "note" if is_note_label(text) else None


def is_filler_line(text: object) -> bool:
    """A line above the header naming who filled the sheet in (`填报人: 张三`)."""
    return fold(text).startswith(_FILLERS)


_DEPT_SUFFIX = re.compile(r"(部门|部|department|dept)$")


def department_key(name: object) -> str:
    """A department name folded for matching partners: `生产部`, `生产`, `Production Dept`."""
    key = fold(name)
    stripped = _DEPT_SUFFIX.sub("", key)
    return stripped or key


# Between partner departments (SPEC §3): 、 , ; (full-width ， ； become , ; under NFKC),
# and / | as before; spaces only where none of these appears.
_PARTNER_SEPARATORS = re.compile(r"\s*[、,;/|]\s*")


def split_departments(text: object, known: Collection[str] = frozenset()) -> tuple[str, ...]:
    """Partner departments from a shared-with cell (SPEC §3).

    Split on 、 , ; ， ； / | where one appears (`Finance; Customer Service`: two
    departments); otherwise on spaces (`市场部 财务部`), unless the whole text is a known
    department (`Customer Service` alone: one). `known` holds the `department_key` of each
    department the data and definitions name.
    """
    s = " ".join(unicodedata.normalize("NFKC", str(text)).split())
    if _PARTNER_SEPARATORS.search(s):
        parts = _PARTNER_SEPARATORS.split(s)
    elif department_key(s) in known:
        parts = [s]
    else:
        parts = s.split(" ")
    return tuple(p for p in parts if p)
