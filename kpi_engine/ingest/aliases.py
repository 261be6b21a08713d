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

from kpi_engine.core.names import department_key, fold, simplified

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
    # The unit a department sits under (issue 18): an organisation tree's edge.
    "parent": (
        "上级单位",
        "上級單位",
        "所属单位",
        "所屬單位",
        "上级部门",
        "上級部門",
        "隶属单位",
        "隸屬單位",
        "上级",
        "上級",
        "上级组织",
        "上级机构",
        "所属事业部",
        "所属公司",
        "parent",
        "parent unit",
        "parent department",
        "belongs to",
        "reports to",
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
    "target": (
        "目标值",
        "目標值",
        "目标",
        "目標",
        "target",
        "target value",
        "goal",
        # the period's own target beside annual or cumulative ones (SPEC §5.2)
        "本月目标",
        "本月目標",
        "当月目标",
        "當月目標",
        "本期目标",
        "当期目标",
        "月度目标",
        "月目标",
        "period target",
        "monthly target",
    ),
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
        # the period's own actual beside a cumulative one (SPEC §5.2): it is the actual
        "本月完成",
        "本月完成值",
        "本月实际",
        "本月實際",
        "本月实际值",
        "当月实际",
        "當月實際",
        "当月完成",
        "当月完成值",
        "当期完成",
        "當期完成",
        "当期实际",
        "本期实际",
        "本期實際",
        "本期完成",
        "本季完成",
        "本季实际",
        "period actual",
        "month actual",
        "monthly actual",
        "actual this month",
        "actual this period",
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
    # SPEC §5.6: a veto KPI's flag column.
    "veto": ("否决", "一票否决", "否决项", "是否否决", "是否一票否决", "veto", "veto kpi"),
    # SPEC §5.8: the scoring rule as written (扣分制).
    "rule": (
        "评分标准",
        "评分规则",
        "考核标准",
        "计分规则",
        "扣分标准",
        "scoring rule",
        "scoring rules",
        "scoring criteria",
        "rule",
    ),
    # SPEC §5.7, §5.8: a rule's full points, a bonus or penalty item's points.
    "full_points": ("分值", "标准分", "满分", "标准分值", "满分值", "points", "full points"),
    # SPEC §5.7: a bonus or penalty item's points column. Not `full_points`: a 扣分 column
    # beside rule-scored KPIs holds the points deducted, not their full points, so it is
    # read only on item rows (and kept in extras as written).
    "item_points": (
        "加分",
        "扣分",
        "加减分",
        "加扣分",
        "加分值",
        "扣分值",
        "bonus points",
        "penalty points",
    ),
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
    # SPEC §5.2: year-to-date actuals and whole-year or year-to-date targets
    "actual_ytd": (
        "累计完成",
        "累計完成",
        "累计完成值",
        "本年累计",
        "本年累計",
        "本年累计完成",
        "累计实际",
        "累計實際",
        "累计实际值",
        "年累计",
        "年累計",
        "年度累计",
        "累计值",
        "累计",
        "累計",
        "ytd actual",
        "actual ytd",
        "ytd",
        "year to date",
        "cumulative actual",
        "cumulative",
    ),
    "target_annual": (
        "年度目标",
        "年度目標",
        "年度目标值",
        "全年目标",
        "全年目標",
        "全年目标值",
        "年目标",
        "年目標",
        "年度计划",
        "全年计划",
        "annual target",
        "full year target",
        "full-year target",
        "fy target",
        "yearly target",
    ),
    "target_ytd": (
        "累计目标",
        "累計目標",
        "累计目标值",
        "序时目标",
        "序時目標",
        "序时进度目标",
        "累计计划",
        "ytd target",
        "target ytd",
        "cumulative target",
    ),
    "frequency": (
        "考核频率",
        "考核頻率",
        "考核周期",
        "考核週期",
        "频次",
        "頻次",
        "频率",
        "頻率",
        "考核频次",
        "考核頻次",
        "frequency",
        "assessment frequency",
        "reporting frequency",
    ),
    # Issue 17: a note on the KPI's period, stored with the upload (`store.notes`).
    "cause": (
        "说明",
        "原因分析",
        "情况说明",
        "未达标原因",
        "原因",
        "原因说明",
        "差异原因",
        "偏差原因",
        "差异说明",
        "偏差说明",
        "explanation",
        "cause",
        "causes",
        "reason",
        "root cause",
        "cause analysis",
    ),
    "measure": (  # not `measure` alone: that is a KPI name (`kpi_name`)
        "改进措施",
        "整改措施",
        "改善措施",
        "改进计划",
        "整改计划",
        "纠正措施",
        "措施",
        "improvement",
        "improvements",
        "improvement measures",
        "improvement plan",
        "action plan",
        "corrective action",
        "corrective actions",
        "countermeasures",
    ),
}
# Words that mark a month header of a wide sheet as year-to-date (`1月累计`, `Jan-2026 YTD`).
CUMULATIVE_WORDS: tuple[str, ...] = ("累计", "累計", "截至", "截止", "ytd", "cumulative")

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

# A KPI's assessment frequency (SPEC §5.1), as the grain of its period labels.
FREQUENCY_ALIASES: Mapping[str, tuple[str, ...]] = {
    "month": ("月度", "月", "每月", "按月", "月报", "monthly", "month", "per month"),
    "quarter": ("季度", "季", "每季", "每季度", "按季", "按季度", "quarterly", "quarter"),
    "half": (
        "半年度",
        "半年",
        "每半年",
        "按半年",
        "half-yearly",
        "half yearly",
        "half-year",
        "half year",
        "semi-annual",
        "semiannual",
        "semi-annually",
    ),
    "year": ("年度", "年", "每年", "按年", "全年", "annual", "annually", "yearly", "year"),
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
    # a sheet's own score total (SPEC §5.10: the 得分 column's sum is no KPI either)
    "总分",
    "总得分",
    "合计得分",
    "total score",
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
# Labels of lines above or below the table (`填报日期：2026-11-05`): who filled the
# sheet in and when. Never the period: the date is when the form was filled in.
FILLER_WORDS: tuple[str, ...] = (
    "填报人",
    "填报日期",
    "填报时间",
    "填表人",
    "填表日期",
    "填表时间",
    "制表人",
    "制表日期",
    "制表时间",
    "报送日期",
    "报送时间",
    "报表日期",
    "打印日期",
    "导出日期",
    "日期",
    "联系人",
    "联系电话",
    "电话",
    "prepared by",
    "preparation date",
    "filled in by",
    "date",
    "report date",
    "contact",
    "phone",
)
# Labels of signature and approval lines (`部门负责人（签字）：`, `分管领导审核：`).
SIGNOFF_WORDS: tuple[str, ...] = (
    "签字",
    "签名",
    "签章",
    "盖章",
    "负责人",
    "部门负责人",
    "部门经理",
    "部门主管",
    "分管领导",
    "主管领导",
    "分管副总",
    "总经理",
    "经办人",
    "制表",
    "审核",
    "审核人",
    "复核",
    "复核人",
    "批准",
    "批准人",
    "审批",
    "审批人",
    "核准",
    "确认",
    "确认人",
    "考核人",
    "被考核人",
    "评分人",
    "signature",
    "signed",
    "signed by",
    "sign off",
    "approved",
    "approved by",
    "approval",
    "reviewed by",
    "checked by",
    "verified by",
    "authorised by",
    "authorized by",
    "department head",
    "head of department",
    "manager",
)
# Endings that make any short label a sign-off (`人力资源部意见：`, `总经理审批：`).
SIGNOFF_ENDINGS: tuple[str, ...] = (
    "签字",
    "签名",
    "签章",
    "盖章",
    "审核",
    "审批",
    "批准",
    "核准",
    "复核",
    "确认",
    "意见",
)
# Labels whose value names the department (`填报部门：市场部`)...
DEPARTMENT_LABELS: tuple[str, ...] = (
    "部门",
    "部门名称",
    "填报部门",
    "考核部门",
    "被考核部门",
    "责任部门",
    "所属部门",
    "department",
    "dept",
    "department name",
)
# ...and those whose value may (`填报单位：市场部`, but `单位：万元` is a unit of measure).
UNIT_LABELS: tuple[str, ...] = (
    "填报单位",
    "报送单位",
    "单位",
    "单位名称",
    "考核单位",
    "被考核单位",
    "reporting unit",
    "unit",
    "division",
)

# Headers of common form columns that are not KPI fields: kept in `extras` like any
# unknown column, without an "unrecognised header" warning. (编号 is a KPI id alias.)
KNOWN_EXTRA_HEADERS: tuple[str, ...] = (
    "序号",
    "序",
    "项次",
    "行号",
    "no",
    "no.",
    "#",
    "№",
    "s/n",
    "item",
    "item no",
    "备注",
    "备注说明",
    "附注",
    "评分说明",
    "计分方法",
    "考核说明",
    "考核细则",
    "指标说明",
    "指标定义",
    "指标解释",
    "计算公式",
    "计算方法",
    "公式",
    "数据来源",
    "统计口径",
    "得分",
    "评分",
    "分数",
    "自评得分",
    "考核得分",
    "加权得分",
    "完成率",
    "达成率",
    "排名",
    "差异",
    "偏差",
    "同比",
    "环比",
    "上月实际",
    "去年同期",
    "考核人",
    "评分人",
    "签字",
    "remark",
    "remarks",
    "note",
    "notes",
    "comment",
    "comments",
    "definition",
    "formula",
    "calculation",
    "data source",
    "source",
    "score",
    "self score",
    "weighted score",
    "achievement",
    "achievement rate",
    "completion rate",
    "rank",
    "variance",
    "last month",
    "prior year",
)

# Department names in titles, sheet and file names (`人力资源部绩效考核表`): a name ends in
# one of these...
DEPARTMENT_SUFFIXES: tuple[str, ...] = (
    "部门",
    "部",
    "中心",
    "办公室",
    "室",
    "处",
    "科",
    "事业部",
    "事业群",
    "分公司",
    "车间",
    "办",
    "组",
    "课",
    "所",
    "院",
)
EN_DEPARTMENT_SUFFIXES: tuple[str, ...] = ("department", "dept", "dept.")
EN_UNIT_SUFFIXES: tuple[str, ...] = ("division", "center", "centre", "office", "unit", "team")
# ...but these words end the same way and are not departments.
NOT_DEPARTMENTS: tuple[str, ...] = (
    "全部",
    "各部",
    "各部门",
    "全部门",
    "本部门",
    "内部",
    "外部",
    "本部",
    "局部",
    "干部",
    "各科",
    "科室",
    "各科室",
    "各处",
    "之处",
    "小组",
    "各组",
    "本组",
    "全组",
    "分组",
    "本科",
    "学科",
    "主办",
    "承办",
)
# Form words around the name, read off its end (`市场部月度KPI考核表` -> 市场部). Months,
# quarters and years are removed before (`2026年10月份财务部`).
TITLE_WORDS: tuple[str, ...] = (
    "绩效考核表",
    "绩效考核",
    "绩效考评",
    "绩效评价",
    "绩效",
    "考核评分表",
    "考核表",
    "考核",
    "考评表",
    "考评",
    "评价表",
    "评分表",
    "打分表",
    "自评表",
    "评分",
    "关键绩效指标",
    "考核指标",
    "指标",
    "汇总表",
    "汇总",
    "明细表",
    "明细",
    "统计表",
    "统计",
    "一览表",
    "登记表",
    "报表",
    "报告",
    "月报",
    "季报",
    "年报",
    "平衡计分卡",
    "计分卡",
    "记分卡",
    "目标责任书",
    "责任书",
    "完成情况",
    "情况",
    "结果",
    "公示",
    "通报",
    "模板",
    "样表",
    "全员",
    "员工",
    "人员",
    "个人",
    "表",
)
EN_TITLE_WORDS: tuple[str, ...] = (
    "kpi",
    "kpis",
    "key",
    "performance",
    "indicator",
    "indicators",
    "sheet",
    "scorecard",
    "score",
    "card",
    "report",
    "monthly",
    "quarterly",
    "annual",
    "yearly",
    "review",
    "appraisal",
    "evaluation",
    "assessment",
    "results",
    "summary",
    "template",
    "form",
    "targets",
    "metrics",
    "dashboard",
    "data",
    "month",
    "quarter",
    "year",
    "ytd",
    "for",
    "the",
)

# The sheet's own results (SPEC §5.10): kept as extra fields like any form column, never
# scored from, and compared with the engine's numbers (`reconcile`).
RESULT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "score": ("得分", "考核得分", "score"),
    "weighted_score": ("加权得分", "weighted score"),
    "completion": (
        "完成率",
        "达成率",
        "completion rate",
        "completion",
        "achievement",
        "achievement rate",
    ),
}
# Texts over a target / actual pair of a two-row header that are no period of their own:
# the sheet's period (`本月`: from its title or name)...
CURRENT_PERIOD_WORDS: tuple[str, ...] = (
    "本月",
    "当月",
    "本期",
    "当期",
    "本季",
    "本季度",
    "当季",
    "this month",
    "current month",
    "current period",
)
# ...and year-to-date or whole-year figures beside the periods, kept as extra fields.
ASIDE_PAIR_WORDS: tuple[str, ...] = (
    "累计",
    "本年累计",
    "年累计",
    "年度累计",
    "全年",
    "年度",
    "合计",
    "总计",
    "ytd",
    "year to date",
    "cumulative",
    "full year",
    "total",
)
# Labels under a period in a two-row header (SPEC §5.11), besides the target and actual
# headers themselves (`目标` / `实际`, `目标值` / `完成值`, `target` / `actual`).
# The name column of a hierarchy sheet (组织架构: a unit or department and its parent, no
# KPI column, issue 18). Read on such a sheet only: on a KPI sheet `单位` is a KPI's unit
# of measure and `name` its name.
HIERARCHY_NAME_ALIASES: tuple[str, ...] = (
    "单位",
    "單位",
    "单位名称",
    "單位名稱",
    "部门",
    "部門",
    "部门名称",
    "部門名稱",
    "组织",
    "組織",
    "组织名称",
    "組織名稱",
    "机构",
    "機構",
    "机构名称",
    "下级单位",
    "unit",
    "unit name",
    "org unit",
    "organisation",
    "organization",
    "department",
    "name",
)

PAIR_ALIASES: Mapping[str, tuple[str, ...]] = {
    "target": ("计划", "计划值", "plan"),
    "actual": ("完成", "实绩", "实际完成值"),
}

_PAREN = re.compile(r"[(\[（【].*?[)\]）】]")


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
FREQUENCIES = _table(FREQUENCY_ALIASES)


def _header_key(table: Mapping[str, str], header: object) -> str | None:
    """`header` through `table` as `column_for` matches (a bracketed unit left out)."""
    key = fold(header)
    if not key:
        return None
    if key in table:
        return table[key]
    bare = fold(_PAREN.sub("", unicodedata.normalize("NFKC", str(header))))
    return table.get(bare) if bare else None


@cache
def column_for(header: object) -> str | None:
    """The canonical column a header names, or None. `目标值(万元)` matches `目标值`."""
    return _header_key(_COLUMNS, header)


_HIERARCHY_NAMES = frozenset(fold(w) for w in HIERARCHY_NAME_ALIASES)


def is_hierarchy_name(header: object) -> bool:
    """Whether a header names the unit of a hierarchy sheet's row (`单位名称`, `部门`)."""
    return bool(fold(header)) and fold(header) in _HIERARCHY_NAMES


_RESULTS = _table(RESULT_ALIASES)
_PAIRS = _table({k: (*COLUMN_ALIASES[k], *v) for k, v in PAIR_ALIASES.items()})


@cache
def result_for(header: object) -> str | None:
    """'score', 'weighted_score' or 'completion' for a column of the sheet's own results
    (`得分`, `加權得分`, `完成率(%)`), else None."""
    return _header_key(_RESULTS, header)


@cache
def pair_label(header: object) -> str | None:
    """'target' or 'actual' for a label under a period of a two-row header, else None."""
    return _header_key(_PAIRS, header)


_CURRENT = frozenset(fold(w) for w in CURRENT_PERIOD_WORDS)
_ASIDE = frozenset(fold(w) for w in ASIDE_PAIR_WORDS)


def _bare(text: object) -> str:
    """A label folded as the word sets are, a bracketed note left out (`合计（万元）`)."""
    return fold(_PAREN.sub("", str(text)))


def is_current_period(text: object) -> bool:
    """`本月`, `本期`, `this month`: the sheet's own period, over a two-row header's pair."""
    return _bare(text) in _CURRENT


def is_aside_pair(text: object) -> bool:
    """`累计`, `全年`, `YTD`: a year-to-date or whole-year pair beside the periods."""
    return _bare(text) in _ASIDE


_ANNUAL = frozenset(fold(w) for w in ("全年", "年度", "全年度", "full year", "annual"))


def is_annual(text: object) -> bool:
    """`全年`, `年度`: a whole-year pair beside the periods (its 目标 is the annual target)."""
    return _bare(text) in _ANNUAL


def lookup(table: Mapping[str, str], value: object) -> str | None:
    """Canonical value for a cell through one of the value tables, or None if unknown."""
    return table.get(fold(value))


_TOTALS = frozenset(fold(w) for w in TOTAL_WORDS)
_NOTES = frozenset(fold(w) for w in NOTE_WORDS)


def is_total_label(text: object) -> bool:
    """A cell that marks a total or subtotal row: `合计`, `合 计：`, `Total (all)`."""
    return _bare(text) in _TOTALS


def is_note_label(text: object) -> bool:
    """A cell that starts a note row: `备注:...`, `Note: ...`, `说明`."""
    head = re.split(r"[:：]", unicodedata.normalize("NFKC", str(text)), maxsplit=1)[0]
    return fold(head) in _NOTES


def row_label(text: object) -> str | None:
    """'total', 'note' or 'signature' for a cell that marks a row as not a KPI, else None."""
    if is_total_label(text):
        return "total"
    if is_note_label(text):
        return "note"
    return "signature" if is_form_line(text) else None


# -- lines around the table: `填报单位：市场部  填报日期：2026-11-05`, signatures --------


def _words(words: tuple[str, ...]) -> str:
    """A regex alternation of `words` (simplified, longest first)."""
    return "|".join(re.escape(simplified(w)) for w in sorted(words, key=len, reverse=True))


_LABEL_KIND = {
    simplified(w).casefold(): kind
    for kind, words in (
        ("unit", UNIT_LABELS),
        ("department", DEPARTMENT_LABELS),
        ("signoff", SIGNOFF_WORDS),
        ("filler", FILLER_WORDS),
    )
    for w in words
}
_LONG_LABELS = tuple(w for w in _LABEL_KIND if len(w) >= 3 and not w.isascii())
_QUALIFIER = r"\s*(?:\([^()]{0,12}\))?\s*"  # `部门负责人（签字）`
# A label and its colon. Long Chinese labels may follow other text directly
# (`考核表填报日期：`); others start the text or follow a space or punctuation.
_LABEL = re.compile(
    rf"(?P<label>{_words(_LONG_LABELS)}|(?<!\w)(?:{_words(tuple(_LABEL_KIND))}"
    rf"|[\u4e00-\u9fff]{{0,6}}(?:{_words(SIGNOFF_ENDINGS)}))){_QUALIFIER}:",
    re.IGNORECASE,
)
# A cell holding nothing but a label (`日期`, `批准人`), its value in the next cell.
_LABEL_ONLY = re.compile(rf"\s*(?P<label>{_words(tuple(_LABEL_KIND))}){_QUALIFIER}", re.I)


def _label_kind(label: str) -> str:
    return _LABEL_KIND.get(label.casefold(), "signoff")


def form_parts(text: object) -> list[tuple[str | None, str]]:
    """A line above or below the table split at its labels, as (kind, value) pairs; kind
    is 'filler', 'signoff', 'department', 'unit' or None for text outside any label:
    `2026年10月考核表 填报单位：市场部 填报日期：2026-11-05` ->
    [(None, '2026年10月考核表'), ('unit', '市场部'), ('filler', '2026-11-05')]."""
    original, simple = unicodedata.normalize("NFKC", str(text)), simplified(text)
    if only := _LABEL_ONLY.fullmatch(simple):
        return [(_label_kind(only.group("label")), "")]
    parts: list[tuple[str | None, str]] = []
    kind, at = None, 0
    for match in _LABEL.finditer(simple):
        value = original[at : match.start()].strip()
        if value or kind:
            parts.append((kind, value))
        kind, at = _label_kind(match.group("label")), match.end()
    value = original[at:].strip()
    if value or kind:
        parts.append((kind, value))
    return parts


def is_form_line(text: object) -> bool:
    """A cell starting a signature, approval or filled-in-by line (`制表：张三`, `批准人`,
    `部门负责人（签字）：`), which is no KPI wherever it stands. A department label needs
    its colon: a cell saying only `部门` is a header."""
    if not isinstance(text, str) or not text.strip():
        return False
    parts = form_parts(text)
    kind = parts[0][0] if parts else None
    return kind in {"filler", "signoff"} or (kind is not None and bool(re.search("[:：]", text)))


_KNOWN_EXTRAS = frozenset(fold(w) or w for w in KNOWN_EXTRA_HEADERS)


def is_known_extra(header: object) -> bool:
    """A common form column that is no KPI field (`序号`, `No.`, `#`, `备注`, `评分说明`)."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    bare = _PAREN.sub("", text)
    return any((fold(t) or t.casefold()) in _KNOWN_EXTRAS for t in (text, bare) if t)


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


# Perspective cells or section rows that name rows which are not KPIs of a perspective
# (SPEC §5.6, §5.7), by their `schema.SECTIONS` value: bonus items, penalty items and veto
# KPIs that are only a gate.
SECTION_ALIASES: dict[str, tuple[str, ...]] = {
    "bonus": (
        "加分项",
        "加分",
        "加分項",
        "加分指标",
        "加分指標",
        "bonus",
        "bonus items",
        "bonus points",
    ),
    "penalty": (
        "扣分项",
        "扣分項",
        "减分项",
        "減分項",
        "扣分",
        "减分",
        "減分",
        "扣分指标",
        "扣分指標",
        "penalty",
        "penalties",
        "penalty items",
        "deductions",
    ),
    "veto": (
        "否决指标",
        "否決指標",
        "否决项",
        "否決項",
        "一票否决",
        "一票否決",
        "veto",
        "veto items",
    ),
}
SECTIONS = _table(SECTION_ALIASES)

# A veto column's cells (SPEC §5.6), matched after NFKC (full-width forms), traditional ->
# simplified and case folding, symbols kept (√ and ✓ are the answer, not punctuation).
VETO_VALUE_ALIASES: Mapping[bool, tuple[str, ...]] = {
    True: ("是", "y", "yes", "true", "1", "√", "✓", "✔", "☑", "对", "否决", "一票否决", "veto"),
    False: ("否", "n", "no", "false", "0", "×", "✗", "✘", "x", "不是", "非", "无", "-", "—", "/"),
}
_VETO_VALUES = {word: flag for flag, words in VETO_VALUE_ALIASES.items() for word in words}


def veto_flag(cell: object) -> bool | None:
    """True or False for a veto cell that says yes or no (an empty cell says no: False),
    None for one that says neither (the caller warns, naming the cell)."""
    if cell is None or isinstance(cell, bool):
        return bool(cell)
    if isinstance(cell, (int, float)):
        return None if cell not in (0, 1) else bool(cell)
    text = simplified(cell).casefold().strip()
    if text.endswith(".0") and text[:-2] in ("0", "1"):
        text = text[:-2]
    return _VETO_VALUES.get(text, False if not text else None)
