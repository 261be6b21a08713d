"""Held-out sheets of Chinese assessment practice II (SPEC §5.6-§5.9), scored by the CLI and
by an independent calculation of SPEC written out here in plain Python (no engine scoring
or roll-up function is called): veto KPIs in a 否决指标 block and in a 一票否决 column (one
with a floor and a weight, so it also counts in its perspective), 加分项 / 扣分项 with and
without a 分值 column (the actual as points, a penalty written negative or positive, bonus
points beyond the limit), a department scored by 评分标准 rules of several forms, and the
grade tables (S/A/B/C/D, 优秀/良好/合格/不合格) with a forced distribution; for each month
and for the quarter (`--period 2026-Q3`).

The calculation holds each sheet as data, writes the workbook from it, and computes what
SPEC says from the same data: §3 lines (floor method), §5.3 department-wide weights, §5.5
zero targets, §5.6 vetoes, §5.7 points, §5.8 rules (each rule's meaning written beside its
text as a human reads it), §5.9 grades. Where SPEC is silent on a quarter (how bonus and
penalty items of several months add up), the items' points add up over the quarter, like
any count, and the bonus limit applies to the quarter's total.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.commands import cli
from tests.workbooks import xlsx

CAP, VETO_SCORE, BONUS_LIMIT = 120.0, 0.0, 10.0
PERSPECTIVE_WEIGHTS = {"财务": 30.0, "客户": 30.0, "内部流程": 25.0, "学习与成长": 15.0}
PERSPECTIVES = tuple(PERSPECTIVE_WEIGHTS)
GATE, BONUS, PENALTY = "否决指标", "加分项", "扣分项"
LETTERS = (("S", 110.0), ("A", 100.0), ("B", 90.0), ("C", 80.0), ("D", None))
LEVELS = (("优秀", 100.0), ("良好", 90.0), ("合格", 80.0), ("不合格", None))
MONTHS = ("2026-07", "2026-08", "2026-09")
QUARTER = "2026-Q3"


@dataclass(frozen=True)
class Clause:
    """One clause of a rule as a person reads it: per `step` (in the KPI's unit; `pct`:
    percent of the target) of distance on `side` (`below` / `above` the target, or
    `events`: the actual itself), `points` (negative deducts)."""

    side: str
    step: float
    points: float
    pct: bool = False


@dataclass(frozen=True)
class Rule:
    text: str
    clauses: tuple[Clause, ...]
    most_off: float | None = None  # 最多扣X分
    most_on: float | None = None  # 最高加X分


@dataclass(frozen=True)
class Row:
    """One row of a sheet: a KPI of a perspective, a gate, or a bonus / penalty item.
    Percent KPIs hold fractions (written '95%')."""

    name: str
    block: str  # a perspective or GATE / BONUS / PENALTY
    actual: float
    target: float | None = None
    weight: float | None = None
    higher: bool = True
    unit: str | None = None
    floor: float | None = None
    veto: bool = False
    rule: Rule | None = None
    points: float | None = None  # 分值: a rule's full points, an item's points
    agg: str = "平均"

    @property
    def percent(self) -> bool:
        return self.unit == "%"

    @property
    def item(self) -> bool:
        return self.block in (BONUS, PENALTY)

    @property
    def of_perspective(self) -> bool:
        return self.block in PERSPECTIVES and not (self.veto and not self.weight)


@dataclass
class Sheet:
    department: str
    columns: tuple[str, ...]  # of: veto, points, rule, floor
    months: dict[str, list[Row]] = field(default_factory=dict)


# --- the held-out company -------------------------------------------------------------------

SAFETY = "重大安全事故"
PRODUCTION = Sheet(  # the 否决指标 block, the form most Chinese sheets use
    "生产一部",
    ("floor",),
    {
        m: [
            Row("产值", "财务", actual, 100, 60, unit="万元", agg="求和"),
            Row("成本控制率", "财务", 0.93, 0.95, 40, unit="%"),
            Row("交付及时率", "客户", 0.96, 0.95, 100, unit="%", floor=0.7),
            Row("生产周期", "内部流程", 11, 12, 100, higher=False, unit="天"),
            Row(SAFETY, GATE, incidents, 0, None, higher=False, unit="起", agg="求和"),
        ]
        for m, actual, incidents in zip(MONTHS, (98, 104, 101), (0, 0, 1), strict=True)
    },
)
COMPLAINTS = "客户投诉率"
QUALITY = Sheet(  # a 一票否决 column on a KPI with a floor and a weight: a KPI and a gate
    "质量部",
    ("veto", "floor"),
    {
        m: [
            Row("一次合格率", "内部流程", 0.97, 0.98, 100, unit="%"),
            Row(
                COMPLAINTS,
                "客户",
                complaints,
                0.01,
                50,
                higher=False,
                unit="%",
                floor=0.03,
                veto=True,
            ),
            Row("客户满意度", "客户", 88, 90, 50, unit="分"),
        ]
        for m, complaints in (("2026-08", 0.015), ("2026-09", 0.04))
    },
)
SALES = Sheet(  # 加分项 / 扣分项 with a 分值 column; a penalty written -2 and 2
    "销售部",
    ("points",),
    {
        "2026-07": [
            Row("销售收入", "财务", 1050, 1000, 100, unit="万元", agg="求和"),
            Row("客户留存率", "客户", 0.9, 0.9, 100, unit="%"),
            Row("获得省级荣誉", BONUS, 1, points=3, unit="项"),
        ],
        "2026-08": [
            Row("销售收入", "财务", 960, 1000, 100, unit="万元", agg="求和"),
            Row("客户留存率", "客户", 0.88, 0.9, 100, unit="%"),
            Row("客户投诉", PENALTY, 1, points=-2, unit="起"),
        ],
        "2026-09": [
            Row("销售收入", "财务", 1120, 1000, 100, unit="万元", agg="求和"),
            Row("客户留存率", "客户", 0.91, 0.9, 100, unit="%"),
            Row("合理化建议被采纳", BONUS, 2, points=4, unit="条"),
            Row("集团专项奖励", BONUS, 1, points=8, unit="项"),
            Row("客户投诉", PENALTY, 1, points=2, unit="起"),
        ],
    },
)
SERVICE = Sheet(  # items without a 分值 column: the actual is the points
    "客服部",
    (),
    {
        "2026-09": [
            Row("首次解决率", "内部流程", 0.82, 0.8, 100, unit="%"),
            Row("服务满意度", "客户", 96, 95, 100, unit="分"),
            Row("服务之星", BONUS, 2),
            Row("服务事故", PENALTY, -3),
        ]
    },
)
RULES = {
    # SPEC §5.8's worked example: full points from the weight (no 分值), 1% of a percent
    # KPI is one percentage point
    "招聘及时率": Rule("每低于目标1%扣2分，扣完为止", (Clause("below", 0.01, -2),)),
    # a bonus clause with its limit; full points from 分值
    "培训完成率": Rule(
        "每超过目标1个百分点加1分，最高加5分", (Clause("above", 0.01, 1),), most_on=5
    ),
    # events: the actual itself
    "劳动纠纷": Rule("每发生1次扣5分", (Clause("events", 1, -5),)),
    # not a percent KPI: 1% is 1 % of the target
    "人均人工成本": Rule("每超过目标1%扣1分", (Clause("above", 1, -1, pct=True),)),
    # a limit on the deduction, 延迟 counts days above the target; N = 2
    "招聘周期": Rule("每延迟2天扣3分，最多扣6分", (Clause("above", 2, -3),), most_off=6),
    # the default clause written out, then a deduction and a bonus with its limit
    "关键岗位到岗率": Rule(
        "达到目标得满分；每低于目标1个百分点扣3分；每超过目标1个百分点加2分，加分上限4分",
        (Clause("below", 0.01, -3), Clause("above", 0.01, 2)),
        most_on=4,
    ),
}
PEOPLE = Sheet(  # scored by 评分标准, weights department-wide (10 + 20 + 30 + 40)
    "人事部",
    ("points", "rule"),
    {
        "2026-09": [
            Row("人均人工成本", "财务", 1030, 1000, 10, higher=False, unit="元", points=10),
            Row("招聘及时率", "客户", 0.9, 0.95, 20, unit="%"),
            Row("关键岗位到岗率", "内部流程", 0.935, 0.95, 10, unit="%", points=12),
            Row("招聘周期", "内部流程", 35, 30, 10, higher=False, unit="天", points=20),
            Row("劳动纠纷", "内部流程", 1, 0, 10, higher=False, unit="件", points=10),
            Row("培训完成率", "学习与成长", 0.955, 0.9, 40, unit="%", points=10),
        ]
    },
)
for _row in PEOPLE.months["2026-09"]:
    object.__setattr__(_row, "rule", RULES.get(_row.name))
SHEETS = (PRODUCTION, QUALITY, SALES, SERVICE, PEOPLE)

HEAD = {"veto": "一票否决", "points": "分值", "rule": "评分标准", "floor": "红线值"}


def _cell(value: float | None, percent: bool) -> object:
    if value is None or not percent:
        return value
    return f"{value * 100:g}%"


def workbook(sheet: Sheet, month: str) -> bytes:
    """The department's monthly form: a title, a 填报 line, the header, KPI rows in their
    blocks, a 合计 row and a signature line."""
    year, m = month.split("-")
    header = ["维度", "指标名称", "指标方向", "权重", "目标值", "实际值", "单位", "汇总方式"]
    header += [HEAD[c] for c in sheet.columns]
    rows: list[list[object]] = [
        [f"{year}年{int(m)}月 {sheet.department} KPI 考核表"],
        [f"填报人: 张三    填报日期: {year}-{int(m) + 1:02d}-05"],
        header,
    ]
    for r in sheet.months[month]:
        direction = None if r.item else ("越高越好" if r.higher else "越低越好")
        line = [r.block, r.name, direction, r.weight, _cell(r.target, r.percent)]
        line += [_cell(r.actual, r.percent), r.unit, None if r.item else r.agg]
        extra = {
            "veto": "是" if r.veto else None,
            "points": r.points,
            "rule": r.rule.text if r.rule else None,
            "floor": _cell(r.floor, r.percent),
        }
        rows.append(line + [extra[c] for c in sheet.columns])
    rows += [["合计"], [], ["部门负责人（签字）:", None, None, "分管领导审核:"]]
    return xlsx(rows, sheet=f"{int(m)}月")


# --- SPEC, written out ------------------------------------------------------------------------


def rule_points(row: Row, actual: float, target: float) -> tuple[float, float]:
    """§5.8: (points, full points) of a rule-scored KPI."""
    assert row.rule is not None
    full = row.points if row.points is not None else (row.weight or 100.0)
    points = full
    for c in row.rule.clauses:
        distance = {
            "events": actual,
            "below": max(target - actual, 0.0),
            "above": max(actual - target, 0.0),
        }[c.side]
        step = c.step * target / 100 if c.pct else c.step
        change = c.points * distance / step
        if c.points < 0 and row.rule.most_off is not None:
            change = max(change, -row.rule.most_off)
        points += change
    bonus = any(c.points > 0 for c in row.rule.clauses)
    top = full + (row.rule.most_on or 0.0) if not bonus or row.rule.most_on else math.inf
    return min(max(points, 0.0), top), full


def kpi_score(row: Row, actual: float, target: float) -> tuple[float, str]:
    """§3 (target and floor), §5.5 and §5.8: (score, method)."""
    if row.rule is not None:
        points, full = rule_points(row, actual, target)
        return min(100 * points / full, CAP), "rule"
    if target == 0 and not row.higher and row.floor is None:
        return (100.0 if actual == 0 else 0.0), "zero_count"
    floor = row.floor if row.floor is not None else (0.0 if row.higher else 2 * target)
    return min(max(100 * (actual - floor) / (target - floor), 0.0), CAP), "floor"


def fails(row: Row, actual: float, target: float) -> bool:
    """§5.6: worse than the floor where one is given, else than the target."""
    line = row.floor if row.floor is not None else target
    return actual < line if row.higher else actual > line


def grade(score: float, table: tuple[tuple[str, float | None], ...], vetoed: bool) -> str:
    if vetoed:
        return table[-1][0]
    read = round(score, 6)
    return next(name for name, lowest in table if lowest is None or read >= lowest)


@dataclass
class Result:
    score: float
    before: float
    bonus: float
    penalty: float
    veto: Row | None
    veto_values: tuple[float, float] | None
    kpis: dict[str, tuple[float, str, float | None, float | None]]  # score, method, pts, full
    items: dict[str, float]  # a bonus or penalty item's points, counted positive


def aggregate(months: list[str], sheet: Sheet) -> list[tuple[Row, float, float]]:
    """Each row's actual and target over `months` by its aggregation (§3); items add up."""
    out = []
    names = dict.fromkeys(r.name for m in months for r in sheet.months.get(m, []))
    for name in names:
        found = [r for m in months for r in sheet.months.get(m, []) if r.name == name]
        adds = found[0].item or found[0].agg == "求和"
        actuals = [r.actual if not r.item else abs(r.points or r.actual) for r in found]
        targets = [r.target or 0.0 for r in found]
        if adds:
            out.append((found[0], sum(actuals), sum(targets)))
        else:
            out.append((found[0], sum(actuals) / len(found), sum(targets) / len(found)))
    return out


def department(sheet: Sheet, months: list[str]) -> Result:
    """§3, §5.3, §5.6, §5.7: the department's result over `months` (one month or a quarter)."""
    kpis: dict[str, tuple[float, str, float | None, float | None]] = {}
    items: dict[str, float] = {}
    per: dict[str, list[tuple[float, float]]] = {}
    bonus = penalty = 0.0
    veto, values = None, None
    for row, actual, target in aggregate(months, sheet):
        if row.item:
            items[row.name] = actual
            if row.block == BONUS:
                bonus += actual
            else:
                penalty += actual
            continue
        score, method = kpi_score(row, actual, target)
        points = rule_points(row, actual, target) if row.rule else (None, None)
        kpis[row.name] = (score, method, *points)
        if (row.veto or row.block == GATE) and veto is None and fails(row, actual, target):
            veto, values = row, (actual, target)
        if row.of_perspective:
            per.setdefault(row.block, []).append((row.weight or 0.0, score))
    means = {p: sum(w * s for w, s in ws) / sum(w for w, _ in ws) for p, ws in per.items()}
    sums = {p: sum(w for w, _ in ws) for p, ws in per.items()}
    total = sum(sums.values())
    wide = abs(total - 100) <= 0.5 and not all(abs(v - 100) <= 0.5 for v in sums.values())
    weights = sums if wide else {p: PERSPECTIVE_WEIGHTS[p] for p in means}
    before = sum(weights[p] * means[p] for p in means) / sum(weights[p] for p in means)
    bonus = min(bonus, BONUS_LIMIT)
    score = VETO_SCORE if veto else min(max(before + bonus - penalty, 0.0), CAP)
    return Result(score, before, bonus, penalty, veto, values, kpis, items)


# --- what the CLI says --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out: Path = tmp_path_factory.mktemp("held_out_ii")
    for sheet in SHEETS:
        for month in sheet.months:
            year, m = month.split("-")
            name = f"{sheet.department}_{year}年{int(m)}月_KPI考核表.xlsx"
            (out / name).write_bytes(workbook(sheet, month))
    return out


def _score(folder: Path, *options: str) -> dict:
    done = cli("score", *sorted(str(p) for p in folder.iterdir()), "--json", *options, env={})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def monthly(folder: Path) -> dict:
    return _score(folder)


@pytest.fixture(scope="module")
def quarterly(folder: Path) -> dict:
    return _score(folder, "--period", QUARTER)


def _overall(doc: dict, name: str, period: str) -> dict:
    (row,) = [
        r
        for r in doc["departments"]
        if r["department"] == name and r["period"] == period and r["perspective"] is None
    ]
    return row


def _check(doc: dict, sheet: Sheet, period: str, months: list[str]) -> Result:
    expected = department(sheet, months)
    row = _overall(doc, sheet.department, period)
    assert row["score_before"] == pytest.approx(expected.before), (sheet.department, period)
    assert row["score"] == pytest.approx(expected.score), (sheet.department, period)
    assert row["bonus"] == pytest.approx(expected.bonus), (sheet.department, period)
    assert row["penalty"] == pytest.approx(expected.penalty), (sheet.department, period)
    assert row["grade"] == grade(expected.score, LETTERS, expected.veto is not None)
    if expected.veto is None:
        assert row["veto"] is None, (sheet.department, period)
    else:
        assert expected.veto_values is not None
        assert row["veto"]["kpi_name"] == expected.veto.name
        assert (row["veto"]["actual"], row["veto"]["target"]) == pytest.approx(expected.veto_values)
    kpis = {
        k["kpi_name"]: k
        for k in doc["kpis"]
        if k["department"] == sheet.department and k["period"] == period
    }
    for name, (score, method, points, full) in expected.kpis.items():
        kpi = kpis[name]
        assert kpi["method"] == method, (name, period)
        assert kpi["score"] == pytest.approx(score), (name, period)
        if method == "rule":
            assert (kpi["points"], kpi["full_points"]) == pytest.approx((points, full)), name
        else:
            assert kpi["points"] is None and kpi["full_points"] is None, name
    for name, points in expected.items.items():  # §5.7: 分值, else the actual; a quarter adds
        assert kpis[name]["points"] == pytest.approx(points), (name, period)
    return expected


@pytest.mark.parametrize("sheet", SHEETS, ids=[s.department for s in SHEETS])
def test_each_month_scores_as_spec_says(monthly, sheet):
    for month in sheet.months:
        _check(monthly, sheet, month, [month])


@pytest.mark.parametrize("sheet", SHEETS, ids=[s.department for s in SHEETS])
def test_the_quarter_scores_as_spec_says(quarterly, sheet):
    _check(quarterly, sheet, QUARTER, list(MONTHS))


def test_the_examples_are_what_the_sheets_mean(monthly, quarterly):
    """The calculation above, pinned where SPEC gives the numbers: the vetoed months, the
    worked example of §5.8, the bonus limit, a penalty written either way."""
    production = _overall(monthly, "生产一部", "2026-09")
    assert production["score"] == 0 and production["grade"] == "D"
    assert production["veto"]["kpi_name"] == SAFETY and production["score_before"] > 90
    assert _overall(quarterly, "生产一部", QUARTER)["veto"]["kpi_name"] == SAFETY
    # 质量部: 1.5 % complaints are inside the floor (a KPI scoring 75), 4 % beyond it; the
    # quarter's 2.75 % is inside it again
    assert _overall(monthly, "质量部", "2026-08")["veto"] is None
    assert _overall(monthly, "质量部", "2026-09")["veto"]["kpi_name"] == COMPLAINTS
    assert _overall(quarterly, "质量部", QUARTER)["veto"] is None
    (example,) = [
        k for k in monthly["kpis"] if k["kpi_name"] == "招聘及时率" and k["period"] == "2026-09"
    ]
    assert (example["points"], example["full_points"], example["score"]) == pytest.approx(
        (10, 20, 50)
    )
    sales = _overall(monthly, "销售部", "2026-09")
    assert (sales["bonus"], sales["penalty"]) == pytest.approx((10, 2))  # 4 + 8 limited
    assert _overall(monthly, "销售部", "2026-08")["penalty"] == pytest.approx(2)  # -2 written
    service = _overall(monthly, "客服部", "2026-09")
    assert (service["bonus"], service["penalty"]) == pytest.approx((2, 3))  # the actuals


def test_the_organisation_takes_its_grade_from_its_score(monthly, quarterly):
    """Departments weigh the same: the organisation's score is the mean of the final ones
    (a vetoed department's 0 included), graded by the same table."""
    for doc, period, months in (
        (monthly, "2026-09", ["2026-09"]),
        (quarterly, QUARTER, list(MONTHS)),
    ):
        scores = [department(s, months).score for s in SHEETS if any(m in s.months for m in months)]
        (org,) = [o for o in doc["organization"] if o["period"] == period]
        assert org["score"] == pytest.approx(sum(scores) / len(scores))
        assert org["grade"] == grade(org["score"], LETTERS, False)


def test_grade_tables_and_the_forced_distribution(folder: Path, tmp_path: Path):
    """优秀/良好/合格/不合格 with a forced distribution (优秀 at most 20 %, 不合格 at least
    10 %), given to the CLI as settings: the grade by score as SPEC's table gives it, the
    grade by the distribution beside it (by rank, ties sharing the better grade)."""
    table = [["优秀", 100, None, 20], ["良好", 90, None, None], ["合格", 80, None, None],
             ["不合格", None, None, 10]]  # fmt: skip
    settings = tmp_path / "settings.json"
    settings.write_text(
        json.dumps({"grades": table, "forced_distribution": True}, ensure_ascii=False),
        encoding="utf-8",
    )
    doc = _score(folder, "--period", "2026-09", "--settings", str(settings))
    results = {s.department: department(s, ["2026-09"]) for s in SHEETS if "2026-09" in s.months}
    by_score = {d: grade(r.score, LEVELS, r.veto is not None) for d, r in results.items()}
    ranked = sorted(results, key=lambda d: -results[d].score)
    n = len(ranked)
    best = math.floor(0.2 * n)  # 优秀 at most 20 %: the best of those graded 优秀 by score
    excellent = [d for d in ranked if by_score[d] == "优秀"][:best]
    worst = ranked[n - math.ceil(0.1 * n) :]  # 不合格 at least 10 %: from the bottom
    for name, result in results.items():
        row = _overall(doc, name, "2026-09")
        assert row["grade"] == by_score[name], name
        forced = by_score[name]
        if forced == "优秀" and name not in excellent:
            forced = "良好"
        if name in worst:
            forced = "不合格"
        assert row["distribution_grade"] == forced, name
        assert (row["veto"] is not None) == (result.veto is not None)
    # the quota bites: 客服部 is 优秀 by its score (100.7) and 良好 by the distribution
    assert (by_score["客服部"], _overall(doc, "客服部", "2026-09")["distribution_grade"]) == (
        "优秀",
        "良好",
    )
    (org,) = doc["organization"]
    assert org["grade"] == grade(org["score"], LEVELS, False)
