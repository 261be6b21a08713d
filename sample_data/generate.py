"""Generate the bundled sample data: 华辰智造集团, a manufacturing group in digital transformation.

    python sample_data/generate.py

writes, next to this script (and nowhere else):

- monthly/YYYY-MM/<部门>_<YYYY>年<M>月_KPI考核表.xlsx  7 departments x 24 months (2024-11 .. 2026-10)
- kpi_definitions.xlsx                                 every KPI's definition, no actuals
- templates/KPI填报模板.xlsx, KPI填報範本.xlsx, kpi_template_en.xlsx
- README.md                                            what is where, generated from the same data

Everything is deterministic: a fixed numpy seed, fixed workbook properties and fixed zip
timestamps, so running the script twice gives byte-identical files.

The KPI vocabulary comes from the project's reference documents (department KPIs for a
digital transformation, cross-department KPIs, weights and evaluation methods, monitoring and
early warning, the four balanced-scorecard perspectives). The sheets are written in the
forms of SPEC §5 (one department weighting department-wide, quarterly surveys, annual
targets with cumulative actuals, targets with operators, a 得分 column): see the block of
constants after FULLWIDTH_MONTHS. Scores quoted in README.md and written in 得分 cells come
from `reference_score` and `reference_department`, a small re-implementation of SPEC §3 and
§5.3 with the default settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import shutil
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
SEED = 20261031
FIXED_TIME = dt.datetime(2026, 11, 1, 9, 0, 0)
ZIP_TIME = (2026, 11, 1, 9, 0, 0)
COMPANY = "华辰智造集团"
COMPANY_TW = "華辰智造集團"

MONTHS: list[tuple[int, int]] = [(2024, 11), (2024, 12)] + [
    (y, m) for y in (2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 10)
]
PERIODS = [f"{y}-{m:02d}" for y, m in MONTHS]
FLOW = ("求和", "合计")  # aggregation words of flows (monthly values add up)

PERSPECTIVES = ("财务", "客户", "内部流程", "学习与成长")
# Blocks of a sheet that are not perspectives (SPEC §5.6, §5.7), written in the 维度 column
# below the perspectives' KPIs, as Chinese forms write them.
GATE_SECTION, BONUS_SECTION, PENALTY_SECTION = "否决指标", "加分项", "扣分项"
BLOCKS = (*PERSPECTIVES, GATE_SECTION, BONUS_SECTION, PENALTY_SECTION)
PERSPECTIVE_TW = {
    "财务": "財務",
    "客户": "客戶",
    "内部流程": "內部流程",
    "学习与成长": "學習與成長",
}
DIRECTION_TW = {"越高越好": "越高越好", "越低越好": "越低越好", "区间": "區間"}
AGG_TW = {"求和": "求和", "合计": "合計", "平均": "平均", "期末": "期末"}

# --------------------------------------------------------------------------------------
# Seasonality. Flows multiply by an index (mean 1); levels add amplitude x profile.
# --------------------------------------------------------------------------------------


def _norm(values: Sequence[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr / arr.mean()


SEASON_INDEX: dict[str, np.ndarray] = {
    "flat": np.ones(12),
    # revenue-like: Spring Festival dip in February, peak in Q4
    "rev": _norm([0.88, 0.66, 0.95, 0.98, 1.00, 1.04, 0.96, 0.95, 1.04, 1.08, 1.18, 1.28]),
    # costs: quieter February, year-end spending in December
    "cost": _norm([0.98, 0.85, 0.98, 1.00, 1.00, 1.00, 0.98, 0.98, 1.00, 1.02, 1.05, 1.16]),
    # activity counts: Spring Festival holiday, a little year-end push
    "spring": _norm([0.95, 0.60, 1.00, 1.05, 1.05, 1.05, 1.00, 1.00, 1.05, 1.05, 1.05, 1.15]),
}
SEASON_PROFILE: dict[str, np.ndarray] = {
    "none": np.zeros(12),
    "spring": np.array([0.3, 1.0, 0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0.1]),  # Spring Festival
    "postfest": np.array([0, 0.6, 1.0, 0.2, 0, 0, 0, 0, 0, 0, 0, 0]),  # job-hopping after it
    "q4": np.array([0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0.3, 0.7, 1.0]),  # peak season load
    "yearend": np.array([0.6, 0, 0, 0, 0, 0.3, 0, 0, 0, 0, 0, 1.0]),  # closing the books
    "preholiday": np.array([1.0, 0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.3]),  # stock before holiday
    "promo": np.array([0, 0, 0, 0, 0, 0.4, 0, 0, 0, 0.2, 1.0, 0.5]),  # 618, 双11 campaigns
}

# --------------------------------------------------------------------------------------
# The KPI catalogue
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    id: str
    dept: str
    name: str
    perspective: str
    direction: str  # 越高越好 / 越低越好 / 区间
    weight: int  # percent within the department (sums to 100): see SHEET_WEIGHT for the sheets
    unit: str
    agg: str  # 求和 / 合计 / 平均 / 期末
    owner: str
    # 2026 anchors. Flows (求和/合计): annual values, spread over months by seasonality.
    target: float | None = None
    floor: float | None = None
    threshold: float | None = None
    stretch: float | None = None
    low: float | None = None
    high: float | None = None
    step: float = 0.0  # per year: additive for levels, growth rate of annual flow targets
    # simulated actuals: level (flows: monthly average) at 2024-11 and at 2026-10
    start: float = 0.0
    end: float = 0.0
    curve: str = "lin"  # lin | s (adoption S-curve)
    season: str = "none"  # flows: SEASON_INDEX key; levels: SEASON_PROFILE key
    amp: float = 0.0  # levels: amplitude of the seasonal profile, in the KPI's unit
    noise: float = 0.0  # levels: absolute sd; flows: relative sd
    dec: int = 2  # decimals kept
    hi: float | None = None  # upper clip (rates: 1)
    monotone: bool = False  # balances that only grow (certified staff, coverage)
    shared: tuple[str, ...] = ()
    pct_format: str = "0.0%"
    name_tw: str | None = None  # how 行政部 (traditional Chinese) writes it
    unit_tw: str | None = None
    veto: bool = False  # 一票否决 (SPEC §5.6)

    @property
    def gate(self) -> bool:
        """A veto KPI without weight: only a gate, not a KPI of a perspective (§5.6)."""
        return self.veto and self.weight == 0

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"

    @property
    def is_flow(self) -> bool:
        return self.agg in FLOW

    @property
    def method(self) -> str:
        if self.id in RULES:
            return "评分标准"
        if self.target == 0 and self.direction == "越低越好" and self.floor is None:
            return "零目标计数"
        if self.low is not None:
            return "区间"
        if self.threshold is not None:
            return "三值法" if self.stretch is not None else "三值法(无挑战值)"
        if self.floor is not None:
            return "目标+底线值"
        return "目标值"


def _rate(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"dec": 4, "hi": 1.0}
    base.update(kw)
    return base


MKT, PRD, TEC, FIN, HR, PUR, ADM = (
    "市场部",
    "生产部",
    "技术部",
    "财务部",
    "人力资源部",
    "采购物流部",
    "行政部",
)
DEPARTMENTS = (MKT, PRD, TEC, FIN, HR, PUR, ADM)
DEPT_CODES = {MKT: "MKT", PRD: "PRD", TEC: "TEC", FIN: "FIN", HR: "HR", PUR: "PUR", ADM: "ADM"}
DEPT_TW = {MKT: "市場部", PRD: "生產部", TEC: "技術部", FIN: "財務部", HR: "人力資源部",
           PUR: "採購物流部", ADM: "行政部"}  # fmt: skip
DEPT_EN = {MKT: "Marketing", PRD: "Production", TEC: "Technology", FIN: "Finance",
           HR: "Human Resources", PUR: "Procurement & Logistics", ADM: "Administration"}  # fmt: skip

K = Kpi
CATALOGUE: tuple[Kpi, ...] = (
    # ---- 市场部: 数字化营销、客户关系管理、数据驱动决策、营收与市场份额 -------------------
    K("MKT-01", MKT, "营业收入", "财务", "越高越好", 15, "万元", "求和", "王磊",
      target=108000, step=0.12, start=7300, end=9500, season="rev", noise=0.035, dec=0),
    K("MKT-02", MKT, "营收增长率", "财务", "越高越好", 10, "%", "平均", "王磊",
      **_rate(threshold=0.05, target=0.12, stretch=0.18, step=0.02, start=0.08, end=0.13,
              noise=0.012)),
    K("MKT-03", MKT, "数字化产品销售额占比", "财务", "越高越好", 10, "%", "平均", "周婷",
      **_rate(target=0.35, step=0.05, start=0.245, end=0.345, noise=0.008)),
    K("MKT-04", MKT, "客户满意度", "客户", "越高越好", 15, "分", "平均", "李娜",
      threshold=80, target=90, stretch=95, step=1, start=86, end=91.5, noise=0.7, dec=1),
    K("MKT-05", MKT, "客户留存率", "客户", "越高越好", 10, "%", "平均", "李娜",
      **_rate(target=0.88, floor=0.60, step=0.01, start=0.855, end=0.875, noise=0.008)),
    K("MKT-06", MKT, "在线转化率", "客户", "越高越好", 10, "%", "平均", "周婷",
      **_rate(target=0.035, step=0.005, start=0.024, end=0.039, season="promo", amp=0.004,
              noise=0.0015, pct_format="0.00%")),
    K("MKT-07", MKT, "新客户开发数量", "客户", "越高越好", 10, "个", "求和", "陈昊",
      target=360, step=0.2, start=21, end=31, season="rev", noise=0.08, dec=0),
    K("MKT-08", MKT, "客户投诉响应时长", "内部流程", "越低越好", 10, "小时", "平均", "赵敏",
      target=4, floor=12, step=-1, start=7.0, end=3.4, season="q4", amp=0.9, noise=0.35, dec=1,
      shared=(PRD, TEC)),
    K("MKT-09", MKT, "数据驱动营销策略占比", "学习与成长", "越高越好", 10, "%", "平均", "周婷",
      **_rate(target=0.60, step=0.10, start=0.37, end=0.64, noise=0.015)),
    # ---- 生产部: 生产效率、质量控制、数字化技术应用、供应链协同 ---------------------------
    K("PRD-01", PRD, "单位产品生产成本", "财务", "越低越好", 15, "元/件", "平均", "刘建国",
      target=182, floor=230, step=-6, start=194, end=176, season="spring", amp=5, noise=2.2,
      dec=1),
    K("PRD-02", PRD, "产值", "财务", "越高越好", 10, "万元", "合计", "刘建国",
      target=96000, step=0.10, start=6550, end=8350, season="rev", noise=0.03, dec=0),
    K("PRD-03", PRD, "产品合格率", "客户", "越高越好", 15, "%", "平均", "马丽",
      **_rate(threshold=0.965, target=0.985, stretch=0.995, step=0.002, start=0.978,
              end=0.988, noise=0.0012, pct_format="0.00%")),
    K("PRD-04", PRD, "订单交付及时率", "客户", "越高越好", 15, "%", "平均", "孙海涛",
      **_rate(target=0.95, floor=0.70, step=0.01, start=0.925, end=0.945, season="spring",
              amp=-0.03, noise=0.008), shared=(MKT, PUR)),
    K("PRD-05", PRD, "生产线自动化率", "内部流程", "越高越好", 10, "%", "期末", "郭强",
      **_rate(target=0.68, step=0.08, start=0.52, end=0.71, noise=0.003, monotone=True)),
    K("PRD-06", PRD, "生产周期", "内部流程", "越低越好", 10, "天", "平均", "孙海涛",
      target=12, step=-1.5, start=14.8, end=12.3, season="spring", amp=1.5, noise=0.35, dec=1),
    K("PRD-07", PRD, "设备综合效率(OEE)", "内部流程", "越高越好", 10, "%", "平均", "郭强",
      **_rate(threshold=0.65, target=0.78, stretch=0.85, step=0.03, start=0.7, end=0.815,
              noise=0.01)),
    K("PRD-08", PRD, "质量事故响应时效", "内部流程", "越低越好", 5, "小时", "平均", "马丽",
      target=2, floor=6, step=-0.5, start=3.1, end=2.2, noise=0.22, dec=1),
    K("PRD-09", PRD, "持续改进项目数量", "学习与成长", "越高越好", 10, "项", "求和", "何志远",
      target=120, step=0.2, start=7.5, end=10.8, season="spring", noise=0.12, dec=0),
    # ---- 技术部: 技术流程优化、创新能力、系统稳定性、信息安全 -----------------------------
    K("TEC-01", TEC, "信息化运维成本", "财务", "越低越好", 10, "万元", "求和", "张伟",
      target=1440, floor=2160, step=-0.05, start=132, end=112, season="cost", noise=0.05,
      dec=0),
    K("TEC-02", TEC, "系统可用率", "客户", "越高越好", 15, "%", "平均", "杨帆",
      **_rate(threshold=0.990, target=0.995, stretch=0.999, step=0.001, start=0.9935,
              end=0.9965, noise=0.001, pct_format="0.00%")),
    K("TEC-03", TEC, "系统故障响应时间", "客户", "越低越好", 10, "分钟", "平均", "杨帆",
      target=30, floor=90, step=-5, start=41, end=26, noise=2.2, dec=1, shared=(PRD,)),
    K("TEC-04", TEC, "新产品上市周期", "内部流程", "越低越好", 15, "天", "平均", "吴昊天",
      threshold=150, target=120, stretch=90, step=-10, start=150, end=108, noise=3.5, dec=0,
      shared=(MKT, PRD)),
    K("TEC-05", TEC, "跨部门项目按时交付率", "内部流程", "越高越好", 15, "%", "平均", "吴昊天",
      **_rate(target=0.90, step=0.05, start=0.78, end=0.885, noise=0.025),
      shared=(MKT, PRD, FIN)),
    K("TEC-06", TEC, "数据共享平台使用率", "内部流程", "越高越好", 10, "%", "平均", "郑凯",
      **_rate(target=0.85, step=0.15, start=0.4, end=0.88, curve="lin", noise=0.015),
      shared=(MKT, FIN, HR, PUR, ADM)),
    K("TEC-07", TEC, "安全漏洞修复周期", "内部流程", "越低越好", 10, "天", "平均", "郑凯",
      target=5, step=-1, start=7.2, end=4.4, noise=0.4, dec=1),
    K("TEC-08", TEC, "专利申请数量", "学习与成长", "越高越好", 10, "件", "求和", "冯雪",
      target=48, step=0.2, start=3.0, end=4.4, season="flat", noise=0.18, dec=0),
    K("TEC-09", TEC, "技术人员认证持证率", "学习与成长", "越高越好", 5, "%", "期末", "冯雪",
      **_rate(target=0.60, step=0.10, start=0.4, end=0.585, noise=0.004, monotone=True)),
    # ---- 财务部: 数据处理效率、数据分析、风险管理、成本与预算、合规 -----------------------
    K("FIN-01", FIN, "净利润率", "财务", "越高越好", 15, "%", "平均", "黄秀英",
      **_rate(threshold=0.06, target=0.08, stretch=0.10, step=0.005, start=0.071, end=0.088,
              season="spring", amp=-0.006, noise=0.005)),
    K("FIN-02", FIN, "预算执行偏差率", "财务", "越低越好", 15, "%", "平均", "高振华",
      **_rate(target=0.05, floor=0.15, step=-0.01, start=0.072, end=0.042, noise=0.005)),
    K("FIN-03", FIN, "数字化转型专项资金预算达成率", "财务", "区间", 10, "%", "平均", "高振华",
      **_rate(low=0.90, high=1.05, start=0.86, end=0.98, noise=0.025, hi=1.4),
      shared=(TEC, ADM)),
    K("FIN-04", FIN, "应收账款余额", "财务", "越低越好", 10, "万元", "期末", "罗佳",
      target=12000, floor=18000, step=-1000, start=14200, end=12600, season="q4", amp=600,
      noise=300, dec=0),
    K("FIN-05", FIN, "数据驱动决策实施率", "客户", "越高越好", 10, "%", "平均", "谢文斌",
      **_rate(target=0.80, step=0.10, start=0.58, end=0.78, noise=0.018)),
    K("FIN-06", FIN, "财务报表生成周期", "内部流程", "越低越好", 15, "天", "平均", "罗佳",
      target=4, step=-1, start=6.2, end=3.6, season="yearend", amp=1.0, noise=0.25, dec=1),
    K("FIN-07", FIN, "财务流程自动化程度", "内部流程", "越高越好", 10, "%", "期末", "谢文斌",
      **_rate(target=0.75, step=0.10, start=0.43, end=0.78, noise=0.004, monotone=True)),
    K("FIN-08", FIN, "合规审查通过率", "内部流程", "越高越好", 5, "%", "平均", "黄秀英",
      **_rate(threshold=0.90, target=0.98, start=0.96, end=0.975, noise=0.008)),
    K("FIN-09", FIN, "财务人员数据分析技能达标率", "学习与成长", "越高越好", 10, "%", "期末",
      "谢文斌", **_rate(target=0.80, step=0.10, start=0.58, end=0.84, noise=0.004,
                        monotone=True)),
    # ---- 人力资源部: 人才选拔、培训与技能提升、员工关怀 -----------------------------------
    K("HR-01", HR, "人均培训成本", "财务", "越低越好", 10, "元", "合计", "陈静",
      threshold=18000, target=12000, stretch=9600, step=-0.04, start=1180, end=930,
      season="flat", noise=0.05, dec=0),
    K("HR-02", HR, "人工成本占营收比", "财务", "越低越好", 10, "%", "平均", "陈静",
      **_rate(target=0.16, step=-0.005, start=0.175, end=0.158, season="spring", amp=0.015,
              noise=0.003)),
    K("HR-03", HR, "员工满意度", "客户", "越高越好", 10, "分", "平均", "宋佳琪",
      threshold=70, target=85, stretch=95, step=1, start=80, end=87.5, noise=1.0, dec=1),
    K("HR-04", HR, "关键岗位到岗率", "客户", "越高越好", 10, "%", "平均", "刘洋",
      **_rate(target=0.95, step=0.01, start=0.915, end=0.94, noise=0.012)),
    K("HR-05", HR, "招聘周期", "内部流程", "越低越好", 15, "天", "平均", "刘洋",
      target=30, step=-3, start=37, end=27.5, season="spring", amp=5, noise=1.4, dec=0),
    K("HR-06", HR, "员工月度流失率", "内部流程", "区间", 5, "%", "平均", "宋佳琪",
      **_rate(low=0.005, high=0.015, start=0.0145, end=0.0105, season="postfest", amp=0.0085,
              noise=0.0015)),
    K("HR-07", HR, "员工数字化培训覆盖率", "学习与成长", "越高越好", 15, "%", "平均", "许文",
      **_rate(target=0.90, step=0.10, start=0.62, end=0.93, noise=0.015), shared=(TEC, PRD)),
    K("HR-08", HR, "员工培训与技能提升达标率", "学习与成长", "越高越好", 10, "%", "期末", "许文",
      **_rate(target=0.85, step=0.05, start=0.74, end=0.875, noise=0.005, monotone=True)),
    K("HR-09", HR, "人均培训学时", "学习与成长", "越高越好", 10, "小时", "求和", "许文",
      target=48, step=0.2, start=3.0, end=4.1, season="spring", noise=0.06, dec=1),
    # ---- 采购物流部: 供应链响应速度、库存周转、采购成本控制 -------------------------------
    K("PUR-01", PUR, "物流费用", "财务", "越低越好", 10, "万元", "求和", "钱伟",
      target=3000, floor=4200, step=0.05, start=228, end=262, season="rev", noise=0.04, dec=0),
    K("PUR-02", PUR, "采购成本降低率", "财务", "越高越好", 10, "%", "平均", "钱伟",
      **_rate(threshold=0.01, target=0.03, stretch=0.05, step=0.005, start=0.018, end=0.034,
              noise=0.004)),
    K("PUR-03", PUR, "库存资金占用", "财务", "越低越好", 10, "万元", "期末", "邓晓燕",
      target=8500, floor=12000, step=-500, start=9700, end=8100, season="preholiday",
      amp=700, noise=220, dec=0),
    K("PUR-04", PUR, "供应商准时交货率", "客户", "越高越好", 15, "%", "平均", "曹阳",
      **_rate(target=0.95, step=0.01, start=0.925, end=0.94, season="spring", amp=-0.05,
              noise=0.008), shared=(PRD,)),
    K("PUR-05", PUR, "内部需求满足率", "客户", "越高越好", 10, "%", "平均", "曹阳",
      **_rate(target=0.95, step=0.01, start=0.93, end=0.945, noise=0.009)),
    K("PUR-06", PUR, "原材料库存周转率", "内部流程", "越高越好", 15, "次/年", "平均", "邓晓燕",
      target=10, step=1, start=8.0, end=10.6, noise=0.28, dec=2),
    K("PUR-07", PUR, "采购订单处理周期", "内部流程", "越低越好", 10, "天", "平均", "韩冰",
      target=3, floor=8, step=-0.5, start=4.1, end=2.75, season="spring", amp=0.7, noise=0.2,
      dec=1),
    K("PUR-08", PUR, "电子化采购比例", "内部流程", "越高越好", 10, "%", "期末", "韩冰",
      **_rate(target=0.85, step=0.10, start=0.63, end=0.88, noise=0.005, monotone=True)),
    K("PUR-09", PUR, "供应链数字化技能认证人数", "学习与成长", "越高越好", 10, "人", "期末",
      "曹阳", target=60, step=10, start=40, end=64, noise=0.8, dec=0, monotone=True),
    # ---- 行政部 (writes traditional Chinese): 跨部门协同、流程优化、内部客户满意度 ----------
    K("ADM-01", ADM, "行政费用", "财务", "越低越好", 10, "万元", "合计", "林志明",
      target=1800, step=0.02, start=160, end=146, season="cost", noise=0.05, dec=0,
      name_tw="行政費用", unit_tw="萬元"),
    K("ADM-02", ADM, "内部客户满意度", "客户", "越高越好", 20, "分", "平均", "王雅婷",
      threshold=75, target=85, stretch=95, step=1.5, start=80, end=88.5, noise=1.0, dec=1,
      shared=(HR, FIN), name_tw="內部客戶滿意度"),
    K("ADM-03", ADM, "跨部门协同响应时间", "内部流程", "越低越好", 15, "小时", "平均", "林志明",
      target=24, floor=48, step=-4, start=31, end=21.5, noise=1.1, dec=1, shared=(FIN, HR),
      name_tw="跨部門協同響應時間", unit_tw="小時"),
    K("ADM-04", ADM, "跨部门协同效率提升率", "内部流程", "越高越好", 10, "%", "平均", "王雅婷",
      **_rate(target=0.20, step=0.05, start=0.1, end=0.22, noise=0.01),
      name_tw="跨部門協同效率提升率"),
    K("ADM-05", ADM, "流程优化数量", "内部流程", "越高越好", 10, "项", "求和", "朱丹",
      target=60, step=0.2, start=3.8, end=5.3, season="spring", noise=0.15, dec=0,
      name_tw="流程優化數量", unit_tw="項"),
    K("ADM-06", ADM, "会议室利用率", "内部流程", "区间", 10, "%", "平均", "朱丹",
      **_rate(low=0.60, high=0.85, start=0.58, end=0.74, season="spring", amp=-0.12,
              noise=0.03), name_tw="會議室利用率"),
    K("ADM-07", ADM, "电子审批流程覆盖率", "内部流程", "越高越好", 10, "%", "期末", "江一帆",
      **_rate(target=0.90, step=0.10, start=0.69, end=0.885, noise=0.004, monotone=True),
      name_tw="電子審批流程覆蓋率"),
    K("ADM-08", ADM, "行政人员数字化技能达标率", "学习与成长", "越高越好", 10, "%", "期末",
      "江一帆", **_rate(target=0.80, step=0.10, start=0.58, end=0.83, noise=0.005,
                        monotone=True), name_tw="行政人員數字化技能達標率"),
    K("ADM-09", ADM, "员工建议采纳数量", "学习与成长", "越高越好", 5, "项", "求和", "林志明",
      target=72, step=0.2, start=4.4, end=6.4, season="spring", noise=0.15, dec=0,
      name_tw="員工建議採納數量", unit_tw="項"),
    # ---- SPEC §5.6, §5.8, appended last so that the KPIs above keep their simulated values:
    # counts of events, 0 but for INCIDENTS ---------------------------------------------------
    K("PRD-10", PRD, "重大安全事故", GATE_SECTION, "越低越好", 0, "起", "合计", "孙海涛",
      target=0, season="flat", dec=0, veto=True),
    K("TEC-10", TEC, "重大信息安全事件", "内部流程", "越低越好", 0, "起", "合计", "郑凯",
      target=0, season="flat", dec=0, veto=True),
    K("HR-10", HR, "劳动争议案件数", "内部流程", "越低越好", 5, "件", "合计", "刘洋",
      target=0, season="flat", dec=0),
)  # fmt: skip
BY_ID = {k.id: k for k in CATALOGUE}

# Episodes that push a KPI into the red for two or more months in a row, so the early
# warnings have something to show (period -> additive change, or "x" factor for flows).
INCIDENTS: dict[str, dict[str, float]] = {
    # 质量投诉后满意度下滑 for two quarterly surveys (the quarter's mean of the months)
    "MKT-04": dict.fromkeys([f"2025-{m:02d}" for m in range(4, 10)], -5.5),
    "MKT-07": {"2026-09": 0.60, "2026-10": 0.62},  # factor: 新客户开发放缓
    "PRD-03": {"2026-08": -0.016, "2026-09": -0.018, "2026-10": -0.015},  # 新产线爬坡
    "TEC-02": {"2026-09": -0.0065, "2026-10": -0.006},  # 机房故障
    "TEC-03": {"2026-09": 22, "2026-10": 18},  # 同一次故障, 响应变慢
    "PUR-07": {"2025-09": 1.9, "2025-10": 1.7},  # ERP 切换
    "ADM-03": {"2026-08": 8, "2026-09": 9.5, "2026-10": 8},  # 人手不足
    "FIN-02": {"2026-09": 0.045, "2026-10": 0.05},  # 预算外项目
    "FIN-03": {"2025-12": 0.12},  # 年末集中支出 (above the range)
    "PRD-10": {"2026-09": 1},  # 一起重大安全事故: 生产部 is vetoed that month (VETO_MONTH)
    "HR-10": {"2025-04": 1, "2025-11": 1, "2026-03": 2, "2026-08": 1},  # 劳动争议
}
FACTOR_INCIDENTS = {"MKT-07"}

# Missing actuals: (kpi, period) -> what the manager wrote (None: left empty).
MISSING: dict[tuple[str, str], str | None] = {
    ("HR-03", "2025-03"): "-",  # a quarterly survey: only quarter-end months have its row
    ("MKT-04", "2025-12"): "待定",
    ("TEC-08", "2025-05"): None,
    ("FIN-05", "2025-07"): None,
    ("PRD-06", "2026-02"): "-",  # not a flow: 生产部's 本年累计 of flows stays whole
    ("PUR-06", "2026-04"): "-",
    ("PRD-07", "2026-10"): None,
    ("ADM-02", "2026-10"): "待定",
}
# Actuals written as text with thousands separators ('10,520'), besides 人力资源部 who always
# write money that way.
COMMA_TEXT: set[tuple[str, str]] = {
    ("MKT-01", "2025-11"),
    ("MKT-01", "2025-12"),
    ("MKT-01", "2026-10"),
    ("FIN-04", "2026-03"),
    ("FIN-04", "2026-04"),
    ("FIN-04", "2026-05"),
    ("PUR-03", "2025-01"),
}
# 采购物流部 typed its actuals with a Chinese IME in full-width mode these months.
FULLWIDTH_MONTHS = ("2025-02", "2025-08", "2026-02", "2026-07")

# --------------------------------------------------------------------------------------
# Chinese assessment practice (SPEC §5), each in one department's sheets
# --------------------------------------------------------------------------------------

# §5.3: the one department whose weights add up to 100 across the department; the others
# weight each perspective's KPIs to 100 on their own (SHEET_WEIGHT).
DEPARTMENT_WIDE = FIN
# §5.1: satisfaction surveys run once a quarter; their rows are only in the quarter-end
# months' sheets (3, 6, 9, 12), with the quarter's actual, under a 考核频率 column.
QUARTERLY = frozenset({"MKT-04", "HR-03"})
# §5.2: from this month on 生产部 writes 年度目标 (the whole year's target) instead of a
# monthly one, 本月完成 and, for its flows (经营指标), 本年累计.
CUMULATIVE_DEPT, CUMULATIVE_FROM = PRD, "2025-01"
# §5.4: 技术部 writes these targets with an operator (and a unit). Its direction cells stay
# filled and agree: an empty one would be filled from kpi_definitions.xlsx anyway.
OPERATOR_TARGETS: dict[str, str] = {
    "TEC-02": "≥{t}",
    "TEC-03": "≤{t}分钟",
    "TEC-05": "不低于{t}",
    "TEC-07": "{t}天以内",
}
# §5.10: 行政部's sheet carries its own 得分 per KPI (the reference score, one decimal).
SCORED_DEPT = ADM
TECH_OPS_DEPT = TEC  # the department of OPERATOR_TARGETS
# §5.6: veto KPIs (their `veto` in CATALOGUE). 生产部 writes its 重大安全事故 in a 否决指标
# block, the form most Chinese sheets use; 技术部 flags 重大信息安全事件 in a 一票否决 column.
# Both are gates (no weight). The one incident is in VETO_MONTH (INCIDENTS).
VETO_MONTH = "2026-09"
VETO_SCORE = 0.0  # SPEC's default veto score


@dataclass(frozen=True)
class Clause:
    """One clause of a 扣分制 rule (SPEC §5.8): per `step` `unit` of `verb`, `points`
    (negative: deducted). 低于 / 提前 count the distance below target, 高于 / 超过 above
    it, 发生 the actual itself (events)."""

    verb: str
    step: float
    unit: str
    points: float

    @property
    def text(self) -> str:
        to = "" if self.verb in ("提前", "发生") else "目标"
        act = "加" if self.points > 0 else "扣"
        return f"每{self.verb}{to}{self.step:g}{self.unit}{act}{abs(self.points):g}分"


@dataclass(frozen=True)
class Rule:
    """A 评分标准 cell: its clauses and the limit of the bonus clause (最高加X分)."""

    clauses: tuple[Clause, ...]
    bonus_limit: float | None = None

    @property
    def text(self) -> str:
        parts = []
        for c in self.clauses:
            if c.points < 0:
                parts.append(f"{c.text}，扣完为止")
            elif self.bonus_limit is not None:
                parts.append(f"{c.text}，最高加{self.bonus_limit:g}分")
            else:
                parts.append(c.text)
        return "；".join(parts)


# §5.8: 人力资源部 scores these KPIs by their 评分标准; their full points (分值) are their
# catalogue weights, the department's 100 points shared out.
RULE_DEPT = HR
RULES: dict[str, Rule] = {
    "HR-02": Rule((Clause("高于", 1, "个百分点", -2),)),
    "HR-04": Rule((Clause("低于", 1, "%", -1),)),
    "HR-05": Rule((Clause("超过", 1, "天", -1), Clause("提前", 1, "天", 1)), bonus_limit=5),
    "HR-07": Rule(
        (Clause("低于", 2, "个百分点", -1), Clause("超过", 1, "个百分点", 1)), bonus_limit=5
    ),
    "HR-10": Rule((Clause("发生", 1, "次", -5),)),
}


@dataclass(frozen=True)
class Item:
    """A bonus or penalty item (SPEC §5.7) in the months it happened: period -> (how many,
    the points the department writes in its 分值 column)."""

    id: str
    dept: str
    section: str  # BONUS_SECTION or PENALTY_SECTION
    name: str
    unit: str
    months: dict[str, tuple[int, float]]


# §5.7: 市场部 writes a penalty's points negative, 采购物流部 positive (both subtract).
ITEMS: tuple[Item, ...] = (
    Item("MKT-B1", MKT, BONUS_SECTION, "获得省级及以上荣誉", "项",
         {"2026-06": (1, 3), "2026-10": (1, 3)}),
    Item("MKT-P1", MKT, PENALTY_SECTION, "客户有效投诉", "起",
         {"2026-08": (1, -2), "2026-10": (2, -4)}),
    Item("PUR-B1", PUR, BONUS_SECTION, "合理化建议被采纳", "条",
         {"2026-04": (1, 2), "2026-10": (2, 4)}),
    Item("PUR-B2", PUR, BONUS_SECTION, "集团降本增效专项奖", "项", {"2026-10": (1, 8)}),
    Item("PUR-P1", PUR, PENALTY_SECTION, "供应商质量问题导致停线", "次", {"2026-07": (1, 5)}),
)  # fmt: skip
BONUS_LIMIT = 10.0  # SPEC's default bonus limit per department and period
# §5.9: SPEC's default grade table, highest first (the lowest grade: below every threshold)
GRADES: tuple[tuple[str, float], ...] = (("S", 110.0), ("A", 100.0), ("B", 90.0), ("C", 80.0))
LOWEST_GRADE = "D"


# --------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------


def _apportion(total: float, index: np.ndarray, dec: int) -> list[float]:
    """Split a total (a year over 12 months, 100 % over a perspective's KPIs) in proportion
    to `index`, to `dec` decimals; the parts add up exactly."""
    unit = 10.0**-dec
    raw = total * index / index.sum() / unit
    base = np.floor(raw)
    short = round(total / unit - base.sum())
    order = sorted(range(len(index)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[: max(short, 0)]:
        base[i] += 1
    return [round(float(v) * unit, dec) for v in base]


def _sheet_weights() -> dict[str, float]:
    """Each KPI's weight in percent as its department's sheets write it (SPEC §5.3): the
    catalogue's department shares for DEPARTMENT_WIDE, elsewhere rescaled within each
    perspective to add up to 100 there (to 0.01 %, so every perspective mean stays)."""
    out: dict[str, float] = {}
    for dept in DEPARTMENTS:
        for p in PERSPECTIVES:
            group = [k for k in CATALOGUE if k.dept == dept and k.perspective == p and not k.gate]
            if dept == DEPARTMENT_WIDE or not group:
                out.update({k.id: float(k.weight) for k in group})
                continue
            shares = _apportion(100.0, np.array([k.weight for k in group], dtype=float), 2)
            out.update({k.id: w for k, w in zip(group, shares, strict=True)})
    return out


SHEET_WEIGHT = _sheet_weights()


def assessed(kpi: Kpi, month: int) -> bool:
    """Whether the KPI has a row in that month's sheet: a quarterly one only at quarter end."""
    return kpi.id not in QUARTERLY or month % 3 == 0


def cumulative_form(dept: str, period: str) -> bool:
    """Whether the department's sheet of that month is the 年度目标 / 本年累计 form (§5.2)."""
    return dept == CUMULATIVE_DEPT and period >= CUMULATIVE_FROM


def annual(kpi: Kpi, key: str, year: int) -> float | None:
    """A flow's whole-year anchor (`key`: target, floor, threshold or stretch) for a year."""
    v = getattr(kpi, key)
    if v is None:
        return None
    total = v / (1 + kpi.step) ** (2026 - year)
    return round(total, kpi.dec) if kpi.dec else round(total)


def anchors(kpi: Kpi, year: int, month: int) -> dict[str, float | None]:
    """The KPI's target, floor, threshold, stretch and range for one month, as a monthly
    sheet writes them (flows: the month's seasonal share of the annual value)."""
    k = 2026 - year
    out: dict[str, float | None] = {"low": kpi.low, "high": kpi.high}
    for key in ("target", "floor", "threshold", "stretch"):
        v = getattr(kpi, key)
        if v is None:
            out[key] = None
        elif kpi.is_flow:
            whole = annual(kpi, key, year)
            assert whole is not None
            out[key] = _apportion(whole, SEASON_INDEX[kpi.season], kpi.dec)[month - 1]
        else:
            out[key] = round(v - kpi.step * k, 6 if kpi.is_rate else 4)
    return out


def scored_anchors(kpi: Kpi, year: int, month: int) -> dict[str, float | None]:
    """The anchors the month is scored against. In the 年度目标 form a flow's target is
    the month's share of the annual one, `annual × 1 / 12` (SPEC §5.2, a period actual)."""
    out = anchors(kpi, year, month)
    if kpi.is_flow and cumulative_form(kpi.dept, f"{year}-{month:02d}"):
        whole = annual(kpi, "target", year)
        assert whole is not None
        out["target"] = whole / 12
    return out


def simulate(kpi: Kpi, noise: np.ndarray) -> list[float]:
    t = np.arange(len(MONTHS)) / (len(MONTHS) - 1)
    prog = t if kpi.curve == "lin" else (1 / (1 + np.exp(-8 * (t - 0.45))) - 0.0266) / 0.9566
    level = kpi.start + (kpi.end - kpi.start) * prog
    months = np.array([m for _, m in MONTHS]) - 1
    if kpi.is_flow:
        values = level * SEASON_INDEX[kpi.season][months] * (1 + kpi.noise * noise)
    else:
        values = level + kpi.amp * SEASON_PROFILE[kpi.season][months] + kpi.noise * noise
    for i, period in enumerate(PERIODS):
        change = INCIDENTS.get(kpi.id, {}).get(period)
        if change is not None:
            values[i] = values[i] * change if kpi.id in FACTOR_INCIDENTS else values[i] + change
    if kpi.monotone:
        values = np.maximum.accumulate(values)
    values = np.clip(values, 0, kpi.hi if kpi.hi is not None else np.inf)
    return [round(float(v), kpi.dec) if kpi.dec else float(round(v)) for v in values]


def build_actuals() -> dict[str, list[float]]:
    """Each KPI's simulated value per month; `reported` turns them into the sheets' actuals."""
    rng = np.random.default_rng(SEED)
    return {k.id: simulate(k, rng.standard_normal(len(MONTHS))) for k in CATALOGUE}


def _quarter_months(i: int) -> list[int]:
    """Indexes of the months of MONTHS[i]'s quarter up to and including it."""
    year, month = MONTHS[i]
    first = month - (month - 1) % 3
    return [j for j, (y, m) in enumerate(MONTHS) if y == year and first <= m <= month]


def quarter(i: int) -> str:
    """MONTHS[i]'s quarter, `2026-Q1`."""
    year, month = MONTHS[i]
    return f"{year}-Q{(month - 1) // 3 + 1}"


def reported(kpi: Kpi, actuals: dict[str, list[float]], i: int) -> float | None:
    """The actual the sheet of MONTHS[i] reports: None where missing or not assessed; a
    quarterly KPI's is its quarter's survey, the mean of the quarter's simulated months."""
    if (kpi.id, PERIODS[i]) in MISSING or not assessed(kpi, MONTHS[i][1]):
        return None
    if kpi.id in QUARTERLY:
        mean = float(np.mean([actuals[kpi.id][j] for j in _quarter_months(i)]))
        return round(mean, kpi.dec)
    return actuals[kpi.id][i]


def year_to_date(kpi: Kpi, actuals: dict[str, list[float]], i: int) -> float:
    """A flow's 本年累计: the sum of its months of the year so far (none is missing)."""
    year = MONTHS[i][0]
    total = sum(actuals[kpi.id][j] for j in range(i + 1) if MONTHS[j][0] == year)
    return round(total, kpi.dec)


CAP = 120.0  # SPEC §3's default cap


def rule_points(kpi: Kpi, actual: float, target: float) -> float:
    """SPEC §5.8: the points of a rule-scored KPI, its full points its catalogue weight
    (the 分值 its sheet writes). For a KPI in percent, `1%` and `1个百分点` are one
    percentage point; otherwise `1%` is 1 % of the target."""
    rule, full = RULES[kpi.id], float(kpi.weight)
    points = full
    for c in rule.clauses:
        if c.verb == "发生":
            amount = actual
        elif c.verb in ("低于", "提前"):
            amount = max(target - actual, 0.0)
        else:
            amount = max(actual - target, 0.0)
        if c.unit in ("%", "个百分点") and kpi.is_rate:
            step = c.step / 100
        elif c.unit == "%":
            step = c.step * target / 100
        else:
            step = c.step
        points += c.points * amount / step
    bonus = any(c.points > 0 for c in rule.clauses)
    top = full + (rule.bonus_limit or 0.0) if not bonus or rule.bonus_limit is not None else None
    points = max(points, 0.0)
    return points if top is None else min(points, top)


def reference_score(kpi: Kpi, actual: float, a: dict[str, float | None]) -> float:
    """SPEC §3 with defaults (cap 120, base 60), clipped to [0, cap]; §5.5's zero targets
    of counts; §5.8's rules."""
    cap, base = CAP, 60.0
    higher = kpi.direction == "越高越好"
    if kpi.id in RULES:
        assert a["target"] is not None
        return min(100 * rule_points(kpi, actual, a["target"]) / kpi.weight, cap)
    if a["target"] == 0 and not higher and a["floor"] is None and a["threshold"] is None:
        return 100.0 if actual == 0 else 0.0
    if kpi.low is not None:
        lo, hi = kpi.low, kpi.high
        assert hi is not None
        width = hi - lo
        if lo <= actual <= hi:
            s = 100.0
        elif actual < lo:
            s = 100 * (actual - (lo - width)) / width
        else:
            s = 100 * ((hi + width) - actual) / width
        return float(min(max(s, 0.0), 100.0))
    t = a["target"]
    assert t is not None
    if a["threshold"] is not None:
        th, st = a["threshold"], a["stretch"]
        worse = actual < th if higher else actual > th
        if worse:
            return 0.0
        if st is not None and (actual >= st if higher else actual <= st):
            return cap
        if (actual <= t) if higher else (actual >= t):
            s = base + (100 - base) * (actual - th) / (t - th)
        elif st is not None:
            s = 100 + (cap - 100) * (actual - t) / (st - t)
        else:
            s = base + (100 - base) * (actual - th) / (t - th)
        return float(min(max(s, 0.0), cap))
    f = a["floor"]
    if f is None:
        f = 0.0 if higher else 2 * t
    s = 100 * (actual - f) / (t - f)
    return float(min(max(s, 0.0), cap))


def kpi_score(kpi: Kpi, actuals: dict[str, list[float]], i: int) -> float | None:
    """The reference score of the KPI's row in the sheet of MONTHS[i] (None: no score)."""
    actual = reported(kpi, actuals, i)
    if actual is None:
        return None
    return reference_score(kpi, actual, scored_anchors(kpi, *MONTHS[i]))


PERSPECTIVE_WEIGHTS = dict(zip(PERSPECTIVES, (30.0, 30.0, 25.0, 15.0), strict=True))


def reference_department(dept: str, scores: dict[str, float | None]) -> float | None:
    """A department's score from its own KPIs' scores (SPEC §3, §5.3): per perspective the
    weighted mean by SHEET_WEIGHT over the KPIs with a score, then the perspectives by
    30/30/25/15, or for DEPARTMENT_WIDE by the sums of those KPI weights, which makes it
    the weighted mean of its KPI scores."""
    means: list[tuple[float, float]] = []  # (perspective weight, perspective score)
    for p in PERSPECTIVES:
        got = [(SHEET_WEIGHT[k.id], s) for k in CATALOGUE
               if k.dept == dept and k.perspective == p and not k.gate
               and (s := scores.get(k.id)) is not None]  # fmt: skip
        total = sum(w for w, _ in got)
        if total > 0:
            weight = total if dept == DEPARTMENT_WIDE else PERSPECTIVE_WEIGHTS[p]
            means.append((weight, sum(w * s for w, s in got) / total))
    if not means:
        return None
    return sum(w * s for w, s in means) / sum(w for w, _ in means)


def item_points(dept: str, period: str) -> tuple[float, float]:
    """SPEC §5.7: the department's bonus points counted (after BONUS_LIMIT) and penalty
    points (by their absolute value) in a month."""
    bonus = penalty = 0.0
    for item in ITEMS:
        if item.dept == dept and period in item.months:
            points = abs(item.months[period][1])
            if item.section == BONUS_SECTION:
                bonus += points
            else:
                penalty += points
    return min(bonus, BONUS_LIMIT), penalty


def failed_veto(dept: str, actuals: dict[str, list[float]], i: int) -> Kpi | None:
    """SPEC §5.6: the department's first veto KPI worse than its target in MONTHS[i] (the
    sample's veto KPIs have no floor and count events: worse is above 0)."""
    for k in CATALOGUE:
        if k.dept != dept or not k.veto or (actual := reported(k, actuals, i)) is None:
            continue
        if actual > (scored_anchors(k, *MONTHS[i])["target"] or 0.0):
            return k
    return None


def grade(score: float | None, vetoed: bool) -> str | None:
    """SPEC §5.9's default grade of a score as a person reads it; a vetoed one the lowest."""
    if score is None:
        return None
    if vetoed:
        return LOWEST_GRADE
    return next((g for g, lowest in GRADES if round(score, 9) >= lowest), LOWEST_GRADE)


@dataclass(frozen=True)
class Result:
    """A department's month as SPEC §5.6-§5.9 state it: the weighted score before, the
    points, the failing veto KPI, the final score and its grade."""

    before: float | None
    bonus: float
    penalty: float
    veto: Kpi | None
    score: float | None
    grade: str | None


def reference_result(dept: str, actuals: dict[str, list[float]], i: int) -> Result:
    """The department's own result in MONTHS[i] (its own KPIs only, like
    `reference_department`)."""
    scores = {k.id: kpi_score(k, actuals, i) for k in CATALOGUE if k.dept == dept}
    before = reference_department(dept, scores)
    bonus, penalty = item_points(dept, PERIODS[i])
    veto = failed_veto(dept, actuals, i)
    if before is None:
        score = None
    elif veto is not None:
        score = VETO_SCORE
    else:
        score = min(max(before + bonus - penalty, 0.0), CAP)
    return Result(before, bonus, penalty, veto, score, grade(score, veto is not None))


def status(score: float | None) -> str | None:
    if score is None:
        return None
    return "green" if score >= 100 else "amber" if score >= 80 else "red"


# --------------------------------------------------------------------------------------
# How each department writes its monthly form
# --------------------------------------------------------------------------------------

HEAD_S = {
    "dept": "部门", "persp": "维度", "id": "指标编号", "name": "指标名称", "dir": "方向",
    "weight": "权重", "target": "目标值", "floor": "底线值", "threshold": "门槛值",
    "stretch": "挑战值", "low": "目标下限", "high": "目标上限", "actual": "实际值",
    "unit": "单位", "owner": "负责人", "agg": "汇总方式", "shared": "协同部门",
    "freq": "考核频率", "ytd": "本年累计", "score": "得分", "veto": "一票否决",
    "rule": "评分标准", "points": "分值",
}  # fmt: skip
HEAD_T = {
    "dept": "部門", "persp": "構面", "id": "指標編號", "name": "指標名稱", "dir": "指標極性",
    "weight": "權重", "target": "目標值", "floor": "底線值", "threshold": "門檻值",
    "stretch": "挑戰值", "low": "目標下限", "high": "目標上限", "actual": "實際值",
    "unit": "單位", "owner": "負責人", "agg": "彙總方式", "shared": "協同部門",
    "freq": "考核頻率", "ytd": "本年累計", "score": "得分", "veto": "一票否決",
    "rule": "評分標準", "points": "分值",
}  # fmt: skip
# 生产部's 年度目标 form (CUMULATIVE_FROM on): the target is the year's, the actual the month's
HEAD_CUMULATIVE = {"target": "年度目标", "actual": "本月完成"}


@dataclass(frozen=True)
class FormStyle:
    columns: tuple[str, ...]
    headers: dict[str, str] = field(default_factory=dict)  # overrides of HEAD_S
    traditional: bool = False
    weight: str = "frac_pct"  # frac_pct (0.15, 0%) | frac (0.15) | int (15) | text ('15%')
    rate: str = "fmt"  # fmt (number, % format) | plain (fraction) | text ('92.5%')
    sep: str = "、"
    blank_before_header: bool = False
    blank_before_note: bool = True
    merge_filler: bool = False
    sheet: Callable[[int, int], str] = lambda y, m: f"{m}月"
    title: Callable[[str, int, int], str] = lambda d, y, m: f"{y}年{m}月 {d} KPI 考核表"
    filler_name: str = ""
    reviewer: str | None = None
    colon: str = ": "
    date_sep: str = "-"
    note: str = "备注: 实际值为月末统计口径, '-' 或 '待定' 表示本月尚未统计。"
    header_fill: str = "DDEBF7"


STYLES: dict[str, FormStyle] = {
    MKT: FormStyle(
        columns=("dept", "persp", "id", "name", "dir", "weight", "freq", "target", "floor",
                 "threshold", "stretch", "actual", "points", "unit", "owner", "agg", "shared"),
        merge_filler=True, filler_name="林晓雯",
    ),
    PRD: FormStyle(
        columns=("dept", "persp", "id", "name", "unit", "dir", "weight", "threshold",
                 "target", "stretch", "floor", "actual", "ytd", "agg", "owner", "shared"),
        headers={"dir": "指标方向", "weight": "权重(%)", "floor": "红线值", "actual": "完成值"},
        weight="int", blank_before_header=True, sheet=lambda y, m: "Sheet1",
        filler_name="孙海涛", header_fill="E2EFDA",
        note="备注: 产品合格率按出厂检验口径统计; 持续改进项目以立项数计。",
    ),
    TEC: FormStyle(
        columns=("id", "name", "dept", "persp", "dir", "weight", "veto", "threshold", "target",
                 "stretch", "floor", "actual", "unit", "agg", "shared", "owner"),
        headers={"id": "编码", "name": "考核指标", "dir": "极性"},
        weight="frac", rate="plain", sep=",", blank_before_note=False,
        sheet=lambda y, m: f"{y}{m:02d}",
        title=lambda d, y, m: f"{d} {y}年{m}月 KPI 考核表", filler_name="郑凯",
        note="说明: 系统可用率按 7x24 小时统计, 计划内维护不计入故障时间。",
    ),
    FIN: FormStyle(
        columns=("dept", "persp", "id", "name", "dir", "weight", "unit", "target", "floor",
                 "threshold", "stretch", "low", "high", "actual", "agg", "owner", "shared"),
        blank_before_header=True, sheet=lambda y, m: "KPI考核", filler_name="罗佳",
        reviewer="黄秀英", colon="：", header_fill="FFF2CC",
        note="备注：应收账款余额、库存类指标取月末余额；金额单位为万元。",
    ),
    HR: FormStyle(
        columns=("dept", "persp", "id", "name", "freq", "dir", "weight", "points", "rule",
                 "threshold", "target", "stretch", "floor", "low", "high", "actual", "unit",
                 "owner", "agg", "shared"),
        weight="text", rate="text", filler_name="许文",
        note="备注:\"-\" 表示本月未统计; 员工满意度为季度调查, 只在 3、6、9、12 月填报当季结果。",
    ),
    PUR: FormStyle(
        columns=("dept", "persp", "id", "name", "dir", "weight", "target", "floor",
                 "threshold", "stretch", "actual", "points", "unit", "agg", "shared", "owner"),
        headers={"dept": "责任部门", "persp": "构面", "floor": "零分值"},
        weight="int", rate="fmt", sheet=lambda y, m: "采购物流部", filler_name="曹阳",
        header_fill="FCE4D6",
    ),
    ADM: FormStyle(
        columns=("dept", "persp", "id", "name", "dir", "weight", "target", "floor",
                 "threshold", "stretch", "low", "high", "actual", "score", "unit", "owner",
                 "agg", "shared"),
        traditional=True, blank_before_header=True, sheet=lambda y, m: "考核表",
        filler_name="王雅婷", date_sep="/",
        note="備註: 實際值為月底統計口徑, 「待定」表示本月尚未統計。", header_fill="EDEDED",
    ),
}  # fmt: skip

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
FULLWIDTH = str.maketrans("0123456789.,%-", "０１２３４５６７８９．，％－")


def pct_text(v: float) -> str:
    s = f"{v * 100:.2f}".rstrip("0").rstrip(".")
    return f"{s}%"


def number(v: float, dec: int) -> float | int:
    return round(v) if dec == 0 else round(v, dec)


def filing_date(dept_index: int, year: int, month: int, sep: str) -> str:
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    day = 3 + (dept_index * 3 + month) % 6
    return f"{y}{sep}{m:02d}{sep}{day:02d}"


@dataclass
class Cell:
    value: object
    fmt: str | None = None


def value_cell(kpi: Kpi, style: FormStyle, key: str, v: float | None, period: str) -> Cell:
    """One numeric cell of a KPI row, written the way this department writes numbers."""
    if v is None:
        return Cell(None)
    if key == "actual" and kpi.dept == PUR and period in FULLWIDTH_MONTHS:
        text = pct_text(v) if kpi.is_rate else f"{number(v, kpi.dec)}"
        return Cell(text.translate(FULLWIDTH))
    if kpi.is_rate:
        if style.rate == "text":
            return Cell(pct_text(v))
        if style.rate == "plain":
            return Cell(round(v, 6))
        return Cell(round(v, 6), kpi.pct_format)
    n = number(v, kpi.dec)
    money = kpi.unit in ("万元", "元")
    as_text = style.rate == "text" or (kpi.id, period) in COMMA_TEXT
    if key == "actual" and money and n >= 1000 and as_text:
        return Cell(f"{n:,}")
    if money and n >= 1000:
        return Cell(n, "#,##0")
    return Cell(n)


def weight_cell(style: FormStyle, w: float) -> Cell:
    """A weight in percent (15, 42.86) written the way this department writes weights."""
    if style.weight == "int":
        return Cell(int(w) if float(w).is_integer() else w)
    if style.weight == "text":
        return Cell(f"{w:g}%")
    if style.weight == "frac":
        return Cell(round(w / 100, 6))
    return Cell(round(w / 100, 6), "0%" if float(w).is_integer() else "0.00%")


def operator_target(kpi: Kpi, target: float) -> str:
    """技术部's target cell for an OPERATOR_TARGETS KPI: `≥99.5%`, `≤30分钟`..."""
    shown = pct_text(target) if kpi.is_rate else f"{number(target, kpi.dec):g}"
    return OPERATOR_TARGETS[kpi.id].format(t=shown)


def kpi_row(
    kpi: Kpi, style: FormStyle, year: int, month: int, actuals: dict[str, list[float]]
) -> dict[str, Cell]:
    """One KPI's cells in its department's sheet of that month, by column key."""
    a = anchors(kpi, year, month)
    period = f"{year}-{month:02d}"
    i = PERIODS.index(period)
    cumulative = cumulative_form(kpi.dept, period) and kpi.is_flow
    if cumulative:  # a gate's count too has its 年度目标 (0); only 经营指标 have 本年累计
        a["target"] = annual(kpi, "target", year)
    score = kpi_score(kpi, actuals, i)
    tw = style.traditional
    if kpi.shared:
        names = [DEPT_TW[d] if tw else d for d in kpi.shared]
        shared: str | None = style.sep.join(names)
    else:
        shared = None
    row = {
        "dept": Cell(DEPT_TW[kpi.dept] if tw else kpi.dept),
        "persp": Cell(PERSPECTIVE_TW[kpi.perspective] if tw else kpi.perspective),
        "id": Cell(kpi.id),
        "name": Cell((kpi.name_tw or kpi.name) if tw else kpi.name),
        "dir": Cell(DIRECTION_TW[kpi.direction] if tw else kpi.direction),
        "weight": Cell(None) if kpi.gate else weight_cell(style, SHEET_WEIGHT[kpi.id]),
        "veto": Cell("是" if kpi.veto else None),
        "rule": Cell(RULES[kpi.id].text if kpi.id in RULES else None),
        "points": Cell(kpi.weight if kpi.id in RULES else None),
        "actual": actual_cell(kpi, style, period, reported(kpi, actuals, i)),
        "freq": Cell("季度" if kpi.id in QUARTERLY else "月度"),
        "ytd": Cell(None),
        "score": Cell(None if score is None else round(score, 1)),
        "unit": Cell((kpi.unit_tw or kpi.unit) if tw else kpi.unit),
        "owner": Cell(kpi.owner),
        "agg": Cell(AGG_TW[kpi.agg] if tw else kpi.agg),
        "shared": Cell(shared),
    }
    for key in ("target", "floor", "threshold", "stretch", "low", "high"):
        row[key] = value_cell(kpi, style, key, a[key], period)
    if cumulative and not kpi.veto:
        row["ytd"] = value_cell(kpi, style, "actual", year_to_date(kpi, actuals, i), period)
    if kpi.id in OPERATOR_TARGETS and a["target"] is not None:
        row["target"] = Cell(operator_target(kpi, a["target"]))
    return row


def actual_cell(kpi: Kpi, style: FormStyle, period: str, value: float | None) -> Cell:
    if (kpi.id, period) in MISSING:
        return Cell(MISSING[kpi.id, period])
    return value_cell(kpi, style, "actual", value, period)


def item_row(item: Item, style: FormStyle, period: str) -> dict[str, Cell]:
    """A bonus or penalty item's cells: its block, id, name, how many, unit and points."""
    count, points = item.months[period]
    row = dict.fromkeys(style.columns, Cell(None))
    row.update(
        dept=Cell(item.dept),
        persp=Cell(item.section),
        id=Cell(item.id),
        name=Cell(item.name),
        actual=Cell(count),
        unit=Cell(item.unit),
        points=Cell(points),
    )
    return row


def form_columns(dept: str, period: str) -> list[str]:
    """The department's columns in that month's sheet: only the scoring columns its KPIs
    use, 本年累计 only in the 年度目标 form."""
    used = {
        key
        for k in CATALOGUE
        if k.dept == dept
        for key in ("floor", "threshold", "stretch", "low", "high")
        if getattr(k, key) is not None
    }
    optional = {"floor", "threshold", "stretch", "low", "high"}
    return [
        c
        for c in STYLES[dept].columns
        if (c not in optional or c in used) and (c != "ytd" or cumulative_form(dept, period))
    ]


def form_headers(dept: str, period: str) -> dict[str, str]:
    """Column key -> header text in the department's sheet of that month."""
    style = STYLES[dept]
    heads = HEAD_T if style.traditional else {**HEAD_S, **style.headers}
    return {**heads, **HEAD_CUMULATIVE} if cumulative_form(dept, period) else heads


def _merge_down(ws: Worksheet, col: int, first: int, last: int) -> None:
    if last > first:
        ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
    ws.cell(first, col).alignment = CENTER


def write_form(dept: str, year: int, month: int, actuals: dict[str, list[float]]) -> Workbook:
    style = STYLES[dept]
    period = f"{year}-{month:02d}"
    kpis = sorted(
        (k for k in CATALOGUE if k.dept == dept and assessed(k, month)),
        key=lambda k: (BLOCKS.index(k.perspective), k.id),
    )
    items = sorted(
        (t for t in ITEMS if t.dept == dept and period in t.months),
        key=lambda t: (BLOCKS.index(t.section), t.id),
    )
    columns = form_columns(dept, period)
    heads = form_headers(dept, period)
    ncol = len(columns)
    last_col = get_column_letter(ncol)

    wb = Workbook()
    ws = wb.active
    ws.title = style.sheet(year, month)
    r = 1
    ws.cell(r, 1, style.title(dept, year, month)).font = Font(bold=True, size=14)
    ws.merge_cells(f"A{r}:{last_col}{r}")
    ws.cell(r, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[r].height = 26
    r += 1
    filler = "填報人" if style.traditional else "填报人"
    date_word = "填報日期" if style.traditional else "填报日期"
    date = filing_date(DEPARTMENTS.index(dept), year, month, style.date_sep)
    parts = [f"{filler}{style.colon}{style.filler_name}"]
    if style.reviewer:
        parts.append(f"审核人{style.colon}{style.reviewer}")
    parts.append(f"{date_word}{style.colon}{date}")
    ws.cell(r, 1, "    ".join(parts))
    if style.merge_filler:
        ws.merge_cells(f"A{r}:{last_col}{r}")
    r += 1
    if style.blank_before_header:
        r += 1
    header_row = r
    fill = PatternFill("solid", fgColor=style.header_fill)
    for c, key in enumerate(columns, start=1):
        cell = ws.cell(r, c, heads[key])
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = CENTER
        cell.border = BOX
    r += 1
    first = r
    rows = [kpi_row(k, style, year, month, actuals) for k in kpis]
    rows += [item_row(t, style, period) for t in items]
    blocks = [k.perspective for k in kpis] + [t.section for t in items]
    for row in rows:
        for c, key in enumerate(columns, start=1):
            cell = ws.cell(r, c, row[key].value)
            if row[key].fmt:
                cell.number_format = row[key].fmt
            cell.border = BOX
        r += 1
    last = r - 1
    # the department once over all KPI rows, the perspective once over each block
    _merge_down(ws, columns.index("dept") + 1, first, last)
    pcol = columns.index("persp") + 1
    start = first
    for rr in range(first + 1, last + 2):
        if rr > last or blocks[rr - first] != blocks[start - first]:
            _merge_down(ws, pcol, start, rr - 1)
            start = rr
    # total row: the department-wide weights add up to 100% (per-perspective ones to 100%
    # in each perspective, a total nobody writes)
    ws.cell(r, 1, "合計" if style.traditional else "合计").font = Font(bold=True)
    if dept == DEPARTMENT_WIDE:
        total = weight_cell(style, sum(SHEET_WEIGHT[k.id] for k in kpis if not k.gate))
        wcell = ws.cell(r, columns.index("weight") + 1, total.value)
        if total.fmt:
            wcell.number_format = total.fmt
    for c in range(1, ncol + 1):
        ws.cell(r, c).border = BOX
    r += 1
    if style.blank_before_note:
        r += 1
    ws.cell(r, 1, style.note)
    widths = {"name": 24, "shared": 20, "dept": 11, "persp": 11, "unit": 8, "agg": 9, "rule": 36}
    for c, key in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(key, 10)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    return wb


# --------------------------------------------------------------------------------------
# Definitions workbook and templates
# --------------------------------------------------------------------------------------

DEF_COLUMNS = ("dept", "id", "name", "persp", "dir", "weight", "veto", "points", "rule",
               "target", "floor", "threshold", "stretch", "low", "high", "unit", "owner", "agg",
               "shared")  # fmt: skip


def definition_values(kpi: Kpi) -> dict[str, float | None]:
    """2026 anchors; flows as the 2026 monthly average (annual / 12)."""
    out: dict[str, float | None] = {}
    for key in ("target", "floor", "threshold", "stretch", "low", "high"):
        v = getattr(kpi, key)
        if v is not None and kpi.is_flow:
            v = round(v / 12, max(kpi.dec, 1))
            v = int(v) if float(v).is_integer() else v
        out[key] = v
    return out


def write_definitions() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "指标定义"
    ncol = len(DEF_COLUMNS)
    ws.cell(1, 1, f"{COMPANY} 数字化转型 KPI 指标定义").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c, key in enumerate(DEF_COLUMNS, start=1):
        cell = ws.cell(2, c, HEAD_S[key])
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = CENTER
        cell.border = BOX
    r = 3
    for k in CATALOGUE:
        vals = definition_values(k)
        row: dict[str, object] = {
            "dept": k.dept, "id": k.id, "name": k.name, "persp": k.perspective,
            "dir": k.direction, "weight": None if k.gate else SHEET_WEIGHT[k.id] / 100,
            "veto": "是" if k.veto else None, "rule": RULES[k.id].text if k.id in RULES else None,
            "points": k.weight if k.id in RULES else None, "unit": k.unit, "owner": k.owner,
            "agg": k.agg, "shared": "、".join(k.shared) or None, **vals,
        }  # fmt: skip
        for c, key in enumerate(DEF_COLUMNS, start=1):
            cell = ws.cell(r, c, row[key])
            cell.border = BOX
            if key == "weight" and not k.gate:
                cell.number_format = "0%" if SHEET_WEIGHT[k.id].is_integer() else "0.00%"
            elif key in vals and k.is_rate and row[key] is not None:
                cell.number_format = k.pct_format
            elif key in vals and isinstance(row[key], int | float) and row[key] >= 1000:
                cell.number_format = "#,##0"
        r += 1
    r += 1
    ws.cell(r, 1, "备注: 目标值等为 2026 年度标准; 求和/合计类指标给出月均值 (年度目标 / 12), "
                  "各月目标按季节性分解, 见各月考核表。")  # fmt: skip
    widths = {"name": 26, "shared": 30, "dept": 11, "rule": 40}
    for c, key in enumerate(DEF_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(key, 10)
    ws.freeze_panes = "C3"
    return wb


@dataclass(frozen=True)
class TemplateLang:
    file: str
    sheet: str
    title: str
    filler: str
    headers: tuple[str, ...]
    example: tuple[object, ...]
    more: tuple[dict[str, object], ...]  # further example rows: a veto, a rule, the sections
    veto_values: tuple[str, str]
    perspectives: tuple[str, ...]
    directions: tuple[str, ...]
    aggregations: tuple[str, ...]
    frequencies: tuple[str, ...]
    help_sheet: str
    help_head: tuple[str, str, str]
    help_rows: tuple[tuple[str, str, str], ...]
    methods_title: str
    methods: tuple[str, ...]


TEMPLATE_KEYS = ("id", "name", "dept", "persp", "dir", "weight", "veto", "points", "rule",
                 "target", "annual", "floor",
                 "threshold", "stretch", "low", "high", "actual", "ytd", "score", "unit",
                 "owner", "agg", "freq", "shared", "period")  # fmt: skip
# the templates' names of the columns the monthly forms do not have, or name otherwise
TEMPLATE_HEAD_S = {**HEAD_S, "annual": "年度目标", "ytd": "累计完成", "period": "期间"}
TEMPLATE_HEAD_T = {**HEAD_T, "annual": "年度目標", "ytd": "累計完成", "period": "期間"}

_HELP_S = (
    ("必填", "指标的唯一编号, 如 MKT-01; 与部门一起识别指标, 后续只报实际值时按编号匹配。", "MKT-04"),
    ("必填", "指标名称, 同一部门内不要重名。", "客户满意度"),
    ("必填", "责任部门 (指标的所属部门)。也可只写在标题中, 如「2026年10月 市场部 KPI 考核表」。", "市场部"),
    ("必填", "平衡计分卡维度: 财务 / 客户 / 内部流程 / 学习与成长。不属于任何维度的行写: 否决指标 (一票否决的指标, 只作否决条件)、加分项、扣分项 (见下方说明)。", "客户"),
    ("选填", "越高越好 / 越低越好 / 区间。不填视为越高越好。", "越高越好"),
    ("选填", "指标权重: 在所在维度内的权重 (每个维度各自合计 100%), 或在全部门的权重 (全部门合计 100%, 见下方「全部门权重」)。可写 15%、0.15 或 15 (按比例换算); 不填则等权。不能为负。否决指标、加分项、扣分项 不填权重。", "15%"),
    ("选填", "一票否决: 写 是 (或 Y、√、1) 表示该指标为否决指标。实际值差于底线值 (未填底线值时差于目标值, 区间指标在区间外) 时, 部门当期得分为否决分 (默认 0), 等级为最低档, 页面和报表写明原因。不填权重或权重为 0 时只作否决条件; 填了权重则同时作为所在维度的指标计分。也可以在维度列写「否决指标」。", "是"),
    ("选填", "分值: 按评分标准计分的指标的满分 (未填时取权重, 再无则 100); 加分项、扣分项的分数 (扣分写 -2 或 2 都按扣 2 分; 未填时取实际值)。", "10"),
    ("选填", "评分标准 (扣分制): 如 每低于目标1%扣2分，扣完为止; 每超过目标1个百分点加1分，最高加5分; 每发生1次扣5分; 达到目标得满分。多条用 ；或 ，分隔。填写后该指标按评分标准计分: 得分 = 100 × 点数 / 分值。系统读不懂的评分标准会提示, 并按目标值计分。", "每低于目标1%扣2分，扣完为止"),
    ("必填*", "目标值 T。求和类指标填当期目标; 区间类指标可不填, 改填目标下限/上限。可带运算符和单位: ≥95%、不低于95%、95%以上 (越高越好), ≤2天、不高于2天、2天以内 (越低越好), 运算符在方向列为空时给出方向, 与方向列矛盾时报错; 25±2 表示区间 [23, 27]。计数类越低越好指标 (安全事故 0 起) 目标可写 0: 实际为 0 得 100 分, 大于 0 得 0 分, 建议另填底线值以便部分得分。", "90"),
    ("选填*", "年度目标 (全年目标), 可代替目标值。求和类指标按序时进度折算: 当期目标 = 年度目标 × 已过月数 / 12 (累计完成) 或 × 本期月数 / 12 (本期实际); 平均、期末类指标的年度目标即当期目标。", ""),
    ("选填", "底线值 F: 得 0 分的值。越高越好默认 0, 越低越好默认 2T。", ""),
    ("选填", "门槛值: 三值法中得 60 分的值, 低于门槛得 0 分。填写即启用三值法。", "80"),
    ("选填", "挑战值: 三值法中得 120 分 (封顶) 的值。", "95"),
    ("区间必填", "目标区间下限 L。区间内得 100 分。", ""),
    ("区间必填", "目标区间上限 H。区间外线性下降, 在 L-(H-L) 与 H+(H-L) 处为 0 分。", ""),
    ("必填", "本期实际值 (也可写作 本月完成)。百分比可写 92% 或 0.92; 未统计请留空或写 -、待定, 不要写 0。单位须与目标一致 (98万元 不能对 元 的目标)。", "91.5"),
    ("选填", "本年累计完成值 (年初至本期)。与本期实际同时填写时, 计分用本期实际, 累计值只与各月之和核对 (相差超过 0.5% 时提示)。", ""),
    ("选填", "表格自己算出的得分。仅作核对: 与系统得分相差超过 0.5 分时提示, 以系统得分为准。", "106"),
    ("选填", "计量单位。", "分"),
    ("选填", "指标负责人。", "李娜"),
    ("选填", "季度/年度汇总方式: 求和 (收入、成本、数量等流量) / 平均 (比率、得分) / 期末 (余额、存量)。默认平均。", "平均"),
    ("选填", "考核频率: 月度 / 季度 / 半年度 / 年度。季度指标只在季末月份的表中填写当季实际与目标, 其他月份不算缺失。不填则按期间判断。", "季度"),
    ("选填", "协同部门: 跨部门共担指标, 多个部门用 、 或 , 分隔。该指标以同样的实际值、目标和权重计入各协同部门的同一维度。", "生产部、技术部"),
    ("选填", "考核期间: 月 2026-10, 季度 2026-Q3 或 2026年第三季度, 半年 2026-H1 或 2026年上半年, 年度 2026年度。不填则取标题、工作表名或文件名中的期间。", "2026-Q3"),
)  # fmt: skip
_METHODS_S = (
    "1. 目标值法: 只填目标值 T。越高越好 得分 = 100 × 实际/目标; 越低越好 得分 = 100 × (2 − 实际/目标)。",
    "2. 目标值 + 底线值: 在底线值 F 处得 0 分、目标值处得 100 分, 两点连线计分。",
    "3. 三值法: 门槛值得 60 分, 目标值得 100 分, 挑战值得 120 分, 各段线性; 未达门槛得 0 分, 超过挑战值封顶 120 分。",
    "4. 区间法: 方向填「区间」并填目标下限/上限; 区间内 100 分, 区间外线性下降至 0 分, 最高 100 分。",
    "状态: 得分 ≥ 100 为绿色, 80–100 为黄色, < 80 为红色 (预警)。得分范围 0–120。",
    "汇总: 部门×维度得分 = 指标得分按权重加权平均; 部门得分 = 各维度加权 (财务 30、客户 30、内部流程 25、学习与成长 15)。",
    "全部门权重: 若一个部门的指标权重合计为 100% (跨维度), 而各维度内不是各自 100%, 则按全部门计分: 维度权重 = 维度内指标权重之和, 部门得分 = 全部指标得分的加权平均 (设置中可改为一律按维度或一律按全部门)。",
    "季度、半年、年度视图: 月度指标按汇总方式汇总后与季度等指标一起计分; 累计完成类指标取期末的累计值。",
    "不计入指标的行: 合计、小计、备注: … 等行会被自动跳过; 标题下方的「填报人 / 填报日期」行不是考核期间。",
    "5. 评分标准 (扣分制): 点数 = 分值 − 每条扣分 × 差距 / 步长 + 每条加分 × 超出 / 步长, 按比例计 (差 4.5 个百分点、每低于目标1%扣2分 扣 9 分); 扣完为止 (不低于 0), 有加分条款时最多加到 分值 + 最高加分; 得分 = 100 × 点数 / 分值, 封顶 120。例: 目标 95%, 实际 90%, 每低于目标1%扣2分，扣完为止, 分值 20: 点数 20 − 2 × 5 = 10, 得分 50。",
    "一票否决: 否决指标未达标 (差于底线值, 未填底线值时差于目标值) 的期间, 部门得分为否决分 (默认 0, 可在设置中修改), 等级为最低档; 各维度得分照常显示。",
    "加分项 / 扣分项: 在部门加权得分之后加上加分、减去扣分, 再截取到 0–120; 每部门每期加分最多 10 分 (可在设置中修改), 扣分不设上限。页面同时显示加减分前的得分与加减的分数。",
    "绩效等级: 默认 S ≥ 110、A ≥ 100、B ≥ 90、C ≥ 80、D 其余 (设置中可改为 优秀 / 良好 / 合格 / 不合格, 并可设绩效系数与强制分布比例); 被否决的部门为最低档。",
)  # fmt: skip
_HELP_T = (
    ("必填", "指標的唯一編號, 如 MKT-01; 與部門一起識別指標, 後續只報實際值時按編號匹配。", "MKT-04"),
    ("必填", "指標名稱, 同一部門內不要重名。", "客戶滿意度"),
    ("必填", "責任部門 (指標的所屬部門)。也可只寫在標題中, 如「2026年10月 市場部 KPI 考核表」。", "市場部"),
    ("必填", "平衡計分卡構面: 財務 / 客戶 / 內部流程 / 學習與成長。不屬於任何構面的列寫: 否決指標 (一票否決的指標, 只作否決條件)、加分項、扣分項 (見下方說明)。", "客戶"),
    ("選填", "越高越好 / 越低越好 / 區間。不填視為越高越好。", "越高越好"),
    ("選填", "指標權重: 在所在構面內的權重 (每個構面各自合計 100%), 或在全部門的權重 (全部門合計 100%, 見下方「全部門權重」)。可寫 15%、0.15 或 15 (按比例換算); 不填則等權。不能為負。否決指標、加分項、扣分項 不填權重。", "15%"),
    ("選填", "一票否決: 寫 是 (或 Y、√、1) 表示該指標為否決指標。實際值差於底線值 (未填底線值時差於目標值, 區間指標在區間外) 時, 部門當期得分為否決分 (預設 0), 等級為最低檔, 頁面和報表寫明原因。不填權重或權重為 0 時只作否決條件; 填了權重則同時作為所在構面的指標計分。也可以在構面欄寫「否決指標」。", "是"),
    ("選填", "分值: 按評分標準計分的指標的滿分 (未填時取權重, 再無則 100); 加分項、扣分項的分數 (扣分寫 -2 或 2 都按扣 2 分; 未填時取實際值)。", "10"),
    ("選填", "評分標準 (扣分制): 如 每低於目標1%扣2分，扣完為止; 每超過目標1個百分點加1分，最高加5分; 每發生1次扣5分; 達到目標得滿分。多條用 ；或 ，分隔。填寫後該指標按評分標準計分: 得分 = 100 × 點數 / 分值。系統讀不懂的評分標準會提示, 並按目標值計分。", "每低於目標1%扣2分，扣完為止"),
    ("必填*", "目標值 T。求和類指標填當期目標; 區間類指標可不填, 改填目標下限/上限。可帶運算符和單位: ≥95%、不低於95%、95%以上 (越高越好), ≤2天、不高於2天、2天以內 (越低越好), 運算符在方向欄為空時給出方向, 與方向欄矛盾時報錯; 25±2 表示區間 [23, 27]。計數類越低越好指標 (安全事故 0 起) 目標可寫 0: 實際為 0 得 100 分, 大於 0 得 0 分, 建議另填底線值以便部分得分。", "90"),
    ("選填*", "年度目標 (全年目標), 可代替目標值。合計類指標按序時進度折算: 當期目標 = 年度目標 × 已過月數 / 12 (累計完成) 或 × 本期月數 / 12 (本期實際); 平均、期末類指標的年度目標即當期目標。", ""),
    ("選填", "底線值 F: 得 0 分的值。越高越好預設 0, 越低越好預設 2T。", ""),
    ("選填", "門檻值: 三值法中得 60 分的值, 低於門檻得 0 分。填寫即啟用三值法。", "80"),
    ("選填", "挑戰值: 三值法中得 120 分 (封頂) 的值。", "95"),
    ("區間必填", "目標區間下限 L。區間內得 100 分。", ""),
    ("區間必填", "目標區間上限 H。區間外線性下降, 在 L-(H-L) 與 H+(H-L) 處為 0 分。", ""),
    ("必填", "本期實際值 (也可寫作 本月完成)。百分比可寫 92% 或 0.92; 未統計請留空或寫 -、待定, 不要寫 0。單位須與目標一致 (98萬元 不能對 元 的目標)。", "91.5"),
    ("選填", "本年累計完成值 (年初至本期)。與本期實際同時填寫時, 計分用本期實際, 累計值只與各月之和核對 (相差超過 0.5% 時提示)。", ""),
    ("選填", "表格自己算出的得分。僅作核對: 與系統得分相差超過 0.5 分時提示, 以系統得分為準。", "106"),
    ("選填", "計量單位。", "分"),
    ("選填", "指標負責人。", "李娜"),
    ("選填", "季度/年度彙總方式: 合計 (收入、成本、數量等流量) / 平均 (比率、得分) / 期末 (餘額、存量)。預設平均。", "平均"),
    ("選填", "考核頻率: 月度 / 季度 / 半年度 / 年度。季度指標只在季末月份的表中填寫當季實際與目標, 其他月份不算缺失。不填則按期間判斷。", "季度"),
    ("選填", "協同部門: 跨部門共擔指標, 多個部門用 、 或 , 分隔。該指標以同樣的實際值、目標和權重計入各協同部門的同一構面。", "生產部、技術部"),
    ("選填", "考核期間: 月 2026-10, 季度 2026-Q3 或 2026年第三季度, 半年 2026-H1 或 2026年上半年, 年度 2026年度。不填則取標題、工作表名稱或檔名中的期間。", "2026-Q3"),
)  # fmt: skip
_METHODS_T = (
    "1. 目標值法: 只填目標值 T。越高越好 得分 = 100 × 實際/目標; 越低越好 得分 = 100 × (2 − 實際/目標)。",
    "2. 目標值 + 底線值: 在底線值 F 處得 0 分、目標值處得 100 分, 兩點連線計分。",
    "3. 三值法: 門檻值得 60 分, 目標值得 100 分, 挑戰值得 120 分, 各段線性; 未達門檻得 0 分, 超過挑戰值封頂 120 分。",
    "4. 區間法: 方向填「區間」並填目標下限/上限; 區間內 100 分, 區間外線性下降至 0 分, 最高 100 分。",
    "狀態: 得分 ≥ 100 為綠燈, 80–100 為黃燈, < 80 為紅燈 (預警)。得分範圍 0–120。",
    "彙總: 部門×構面得分 = 指標得分按權重加權平均; 部門得分 = 各構面加權 (財務 30、客戶 30、內部流程 25、學習與成長 15)。",
    "全部門權重: 若一個部門的指標權重合計為 100% (跨構面), 而各構面內不是各自 100%, 則按全部門計分: 構面權重 = 構面內指標權重之和, 部門得分 = 全部指標得分的加權平均 (設定中可改為一律按構面或一律按全部門)。",
    "季度、半年、年度檢視: 月度指標按彙總方式彙總後與季度等指標一起計分; 累計完成類指標取期末的累計值。",
    "不計入指標的列: 合計、小計、備註: … 等列會被自動略過; 標題下方的「填報人 / 填報日期」列不是考核期間。",
    "5. 評分標準 (扣分制): 點數 = 分值 − 每條扣分 × 差距 / 步長 + 每條加分 × 超出 / 步長, 按比例計 (差 4.5 個百分點、每低於目標1%扣2分 扣 9 分); 扣完為止 (不低於 0), 有加分條款時最多加到 分值 + 最高加分; 得分 = 100 × 點數 / 分值, 封頂 120。例: 目標 95%, 實際 90%, 每低於目標1%扣2分，扣完為止, 分值 20: 點數 20 − 2 × 5 = 10, 得分 50。",
    "一票否決: 否決指標未達標 (差於底線值, 未填底線值時差於目標值) 的期間, 部門得分為否決分 (預設 0, 可在設定中修改), 等級為最低檔; 各構面得分照常顯示。",
    "加分項 / 扣分項: 在部門加權得分之後加上加分、減去扣分, 再截取到 0–120; 每部門每期加分最多 10 分 (可在設定中修改), 扣分不設上限。頁面同時顯示加減分前的得分與加減的分數。",
    "績效等級: 預設 S ≥ 110、A ≥ 100、B ≥ 90、C ≥ 80、D 其餘 (設定中可改為 優秀 / 良好 / 合格 / 不合格, 並可設績效係數與強制分佈比例); 被否決的部門為最低檔。",
)  # fmt: skip
_HELP_EN = (
    ("required", "Unique KPI id such as MKT-01; with the department it identifies the KPI.", "MKT-04"),
    ("required", "KPI name, unique within a department.", "Customer satisfaction"),
    ("required", "Owning department. May instead be given in the title row or the file name.", "Marketing"),
    ("required", "Balanced-scorecard perspective: Financial / Customer / Internal process / Learning & growth. Rows that belong to no perspective: Veto (a veto KPI that is only a gate), Bonus, Penalty (see below).", "Customer"),
    ("optional", "higher is better / lower is better / range. Empty means higher is better.", "higher is better"),
    ("optional", "Weight within the perspective (each perspective adds up to 100%), or within the whole department (the department adds up to 100%: see department-wide weights below). 15%, 0.15 or 15 (relative). Empty: equal weights. Never negative. Veto gates, bonus and penalty items have no weight.", "15%"),
    ("optional", "Veto: yes (or Y, 1, true) marks a veto KPI. When its actual is worse than its floor (without a floor: its target; a range: outside it), the department's score for the period is the veto score (default 0) and its grade the lowest, with the reason shown. Without a weight (or weight 0) it is only a gate; with a weight it also counts in its perspective.", "yes"),
    ("optional", "Points: a rule-scored KPI's full points (empty: its weight, else 100); a bonus or penalty item's points (a penalty of -2 or 2 subtracts 2; empty: the actual).", "10"),
    ("optional", "Scoring rule (deduction rules, written in Chinese as Chinese sheets write them): 每低于目标1%扣2分，扣完为止 (2 points off per point below target, down to 0); 每超过目标1个百分点加1分，最高加5分; 每发生1次扣5分. The KPI then scores 100 x points / full points. A rule the system cannot read is named in a warning and the KPI is scored from its target.", "每低于目标1%扣2分，扣完为止"),
    ("required*", "Target T. Flows (sum): this period's target. Range KPIs may leave it empty. May carry an operator and a unit: >=95%, ≥95% (higher is better), <=2 days, ≤2天 (lower is better); the operator sets the direction where the Direction cell is empty and is an error where it says otherwise; 25±2 is the range [23, 27]. A lower-is-better count (safety incidents) may have target 0: actual 0 scores 100, above 0 scores 0; add a floor for partial credit.", "90"),
    ("optional*", "Annual target, instead of Target. Flows (sum) are prorated: the period's target is annual x months elapsed / 12 for a YTD actual, annual x months in the period / 12 for a period actual; for avg and last KPIs the annual target is the target.", ""),
    ("optional", "Floor F, the value that scores 0. Default 0 (higher is better) or 2T (lower is better).", ""),
    ("optional", "Threshold: scores 60 in the three-value method; worse scores 0. Filling it enables the method.", "80"),
    ("optional", "Stretch: scores 120 (the cap) in the three-value method.", "95"),
    ("range", "Target low L. Inside [L, H] scores 100.", ""),
    ("range", "Target high H. Outside, the score falls linearly to 0 at L-(H-L) and H+(H-L).", ""),
    ("required", "Actual for the period. 92% or 0.92 both work. Leave empty or write N/A when unknown, never 0. Its unit must be the target's.", "91.5"),
    ("optional", "Year-to-date actual. Beside a period actual it is only checked against the sum of the months (a warning beyond 0.5 %).", ""),
    ("optional", "The sheet's own score. Only checked: a difference above 0.5 points is named in a warning; the system's score stands.", "106"),
    ("optional", "Unit of measure.", "points"),
    ("optional", "Person responsible.", "Li Na"),
    ("optional", "How months add up to quarters: sum (flows), avg (rates, scores), last (balances). Default avg.", "avg"),
    ("optional", "Frequency: monthly / quarterly / half-yearly / annual. A quarterly KPI is written only in the quarter-end month's sheet, with the quarter's actual and target, and is not missing in other months. Empty: the grain of its periods.", "quarterly"),
    ("optional", "Partner departments of a shared KPI, separated by , or ;. The KPI counts in each partner's scorecard too.", "Production, Technology"),
    ("optional", "Period: month 2026-10, quarter 2026-Q3, half-year 2026-H1, year 2026 or FY2026. Empty: taken from the title, sheet name or file name.", "2026-Q3"),
)  # fmt: skip
_METHODS_EN = (
    "1. Target only: higher is better scores 100 x A/T; lower is better scores 100 x (2 - A/T).",
    "2. Target + floor: a line through (floor, 0) and (target, 100).",
    "3. Three-value method: threshold scores 60, target 100, stretch 120; worse than threshold 0; capped at 120.",
    "4. Target range: direction 'range' with Target low / Target high; 100 inside, falling linearly to 0 outside; never above 100.",
    "Status: score >= 100 green, 80-100 amber, < 80 red (early warning). Scores run 0-120.",
    "Roll-up: department x perspective = weighted mean of KPI scores; department = perspectives weighted Financial 30, Customer 30, Internal process 25, Learning & growth 15.",
    "Department-wide weights: where a department's KPI weights add up to 100% across perspectives (and not within each perspective), its perspective weights are the sums of its KPI weights, so its score is the weighted mean of its KPI scores (a setting can apply either rule to everyone).",
    "Quarter, half-year and year views: monthly KPIs aggregate by their aggregation and score together with the KPIs reported at that grain; YTD actuals take the value at the end of the period.",
    "Rows that are not KPIs: Total, Subtotal, Note: ... are skipped; 'Prepared by / Date' lines above the header are not the period.",
    "5. Scoring rule: points = full - M x shortfall / N + M' x excess / N', proportionally (4.5 points short of 每低于目标1%扣2分 deducts 9); never below 0, at most full + the bonus limit of the rule; score = 100 x points / full, capped at 120. Example: target 95%, actual 90%, 每低于目标1%扣2分，扣完为止, points 20: 20 - 2 x 5 = 10, score 50.",
    "Veto: in a period where a veto KPI fails (worse than its floor, or its target without a floor), the department scores the veto score (default 0, a setting) and takes the lowest grade; its perspective scores are still shown.",
    "Bonus and penalty items: added to and subtracted from the department's weighted score, then clipped to 0-120; bonus points are limited to 10 per department and period (a setting), penalties are not. The score before and the points are shown beside the result.",
    "Grades: S >= 110, A >= 100, B >= 90, C >= 80, D below by default (Settings: Excellent / Good / Pass / Fail, coefficients, forced-distribution quotas); a vetoed department takes the lowest grade.",
)  # fmt: skip

TEMPLATES = (
    TemplateLang(
        file="KPI填报模板.xlsx", sheet="KPI填报", title="YYYY年M月 XX部 KPI 考核表",
        filler="填报人:            填报日期: YYYY-MM-DD",
        headers=tuple(TEMPLATE_HEAD_S[k] for k in TEMPLATE_KEYS),
        example=("MKT-04", "客户满意度", "市场部", "客户", "越高越好", 0.15, None, None, None, 90,
                 None, None, 80, 95, None, None, 91.5, None, 106, "分", "李娜", "平均", "季度",
                 "生产部、技术部", "2026-Q3"),
        more=(
            {"id": "HR-04", "name": "关键岗位到岗率", "dept": "人力资源部", "persp": "客户",
             "dir": "越高越好", "weight": 0.2, "points": 20, "rule": "每低于目标1%扣2分，扣完为止",
             "target": "95%", "actual": "90%", "score": 50, "unit": "%", "agg": "平均",
             "freq": "月度", "period": "2026-10"},
            {"id": "PRD-10", "name": "重大安全事故", "dept": "生产部", "persp": "内部流程",
             "dir": "越低越好", "veto": "是", "target": 0, "actual": 0, "unit": "起",
             "agg": "求和", "freq": "月度", "period": "2026-10"},
            {"id": "MKT-B1", "name": "获得省级及以上荣誉", "dept": "市场部", "persp": BONUS_SECTION,
             "points": 3, "actual": 1, "unit": "项", "period": "2026-10"},
            {"id": "MKT-P1", "name": "客户有效投诉", "dept": "市场部", "persp": PENALTY_SECTION,
             "points": -2, "actual": 1, "unit": "起", "period": "2026-10"},
        ),
        veto_values=("是", "否"),
        perspectives=(*PERSPECTIVES, GATE_SECTION, BONUS_SECTION, PENALTY_SECTION),
        directions=("越高越好", "越低越好", "区间"),
        aggregations=("求和", "平均", "期末"), frequencies=("月度", "季度", "半年度", "年度"),
        help_sheet="填写说明",
        help_head=("列名", "是否必填", "说明"), help_rows=_HELP_S, methods_title="评分方法",
        methods=_METHODS_S,
    ),
    TemplateLang(
        file="KPI填報範本.xlsx", sheet="KPI填報", title="YYYY年M月 XX部 KPI 考核表",
        filler="填報人:            填報日期: YYYY-MM-DD",
        headers=tuple(TEMPLATE_HEAD_T[k] for k in TEMPLATE_KEYS),
        example=("MKT-04", "客戶滿意度", "市場部", "客戶", "越高越好", 0.15, None, None, None, 90,
                 None, None, 80, 95, None, None, 91.5, None, 106, "分", "李娜", "平均", "季度",
                 "生產部、技術部", "2026-Q3"),
        more=(
            {"id": "HR-04", "name": "關鍵崗位到崗率", "dept": "人力資源部", "persp": "客戶",
             "dir": "越高越好", "weight": 0.2, "points": 20, "rule": "每低於目標1%扣2分，扣完為止",
             "target": "95%", "actual": "90%", "score": 50, "unit": "%", "agg": "平均",
             "freq": "月度", "period": "2026-10"},
            {"id": "PRD-10", "name": "重大安全事故", "dept": "生產部", "persp": "內部流程",
             "dir": "越低越好", "veto": "是", "target": 0, "actual": 0, "unit": "起",
             "agg": "合計", "freq": "月度", "period": "2026-10"},
            {"id": "MKT-B1", "name": "獲得省級及以上榮譽", "dept": "市場部", "persp": "加分項",
             "points": 3, "actual": 1, "unit": "項", "period": "2026-10"},
            {"id": "MKT-P1", "name": "客戶有效投訴", "dept": "市場部", "persp": "扣分項",
             "points": -2, "actual": 1, "unit": "起", "period": "2026-10"},
        ),
        veto_values=("是", "否"),
        perspectives=(*(PERSPECTIVE_TW[p] for p in PERSPECTIVES), "否決指標", "加分項", "扣分項"),
        directions=("越高越好", "越低越好", "區間"), aggregations=("合計", "平均", "期末"),
        frequencies=("月度", "季度", "半年度", "年度"),
        help_sheet="填寫說明", help_head=("欄位", "是否必填", "說明"), help_rows=_HELP_T,
        methods_title="評分方法", methods=_METHODS_T,
    ),
    TemplateLang(
        file="kpi_template_en.xlsx", sheet="KPI data", title="KPI report - [Department] - [YYYY-MM]",
        filler="Prepared by:            Date: YYYY-MM-DD",
        headers=("KPI ID", "KPI name", "Department", "Perspective", "Direction", "Weight",
                 "Veto", "Points", "Scoring rule", "Target", "Annual target", "Floor",
                 "Threshold", "Stretch", "Target low", "Target high", "Actual", "YTD actual",
                 "Score", "Unit", "Owner", "Aggregation", "Frequency", "Shared with", "Period"),
        example=("MKT-04", "Customer satisfaction", "Marketing", "Customer", "higher is better",
                 0.15, None, None, None, 90, None, None, 80, 95, None, None, 91.5, None, 106,
                 "points", "Li Na", "avg", "quarterly", "Production, Technology", "2026-Q3"),
        more=(
            {"id": "HR-04", "name": "Key position fill rate", "dept": "Human Resources",
             "persp": "Customer", "dir": "higher is better", "weight": 0.2, "points": 20,
             "rule": "每低于目标1%扣2分，扣完为止", "target": "95%", "actual": "90%", "score": 50,
             "unit": "%", "agg": "avg", "freq": "monthly", "period": "2026-10"},
            {"id": "PRD-10", "name": "Major safety incidents", "dept": "Production",
             "persp": "Internal process", "dir": "lower is better", "veto": "yes", "target": 0,
             "actual": 0, "unit": "incidents", "agg": "sum", "freq": "monthly",
             "period": "2026-10"},
            {"id": "MKT-B1", "name": "Provincial award", "dept": "Marketing", "persp": "Bonus",
             "points": 3, "actual": 1, "unit": "awards", "period": "2026-10"},
            {"id": "MKT-P1", "name": "Valid customer complaints", "dept": "Marketing",
             "persp": "Penalty", "points": -2, "actual": 1, "unit": "complaints",
             "period": "2026-10"},
        ),
        veto_values=("yes", "no"),
        perspectives=("Financial", "Customer", "Internal process", "Learning & growth", "Veto",
                      "Bonus", "Penalty"),
        directions=("higher is better", "lower is better", "range"),
        aggregations=("sum", "avg", "last"),
        frequencies=("monthly", "quarterly", "half-yearly", "annual"), help_sheet="Instructions",
        help_head=("Column", "Required", "What to write"), help_rows=_HELP_EN,
        methods_title="Scoring methods", methods=_METHODS_EN,
    ),
)  # fmt: skip
TEMPLATE_ROWS = 200  # validation lists cover this many data rows


def write_template(lang: TemplateLang) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = lang.sheet
    ncol = len(lang.headers)
    last = get_column_letter(ncol)
    ws["A1"] = lang.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = lang.filler
    ws.merge_cells(f"A2:{last}2")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c, head in enumerate(lang.headers, start=1):
        cell = ws.cell(3, c, head)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = CENTER
        cell.border = BOX
        wide = TEMPLATE_KEYS[c - 1] in ("name", "shared", "rule")
        ws.column_dimensions[get_column_letter(c)].width = 22 if wide else 12
    examples = [dict(zip(TEMPLATE_KEYS, lang.example, strict=True)), *lang.more]
    for r, example in enumerate(examples, start=4):
        for c, key in enumerate(TEMPLATE_KEYS, start=1):
            cell = ws.cell(r, c, example.get(key))
            cell.border = BOX
            cell.font = Font(italic=True, color="7F7F7F")
            if key == "weight":
                cell.number_format = "0%"
    ws.freeze_panes = "C4"
    end = 3 + TEMPLATE_ROWS
    for key, values in (
        ("persp", lang.perspectives),
        ("veto", lang.veto_values),
        ("dir", lang.directions),
        ("agg", lang.aggregations),
        ("freq", lang.frequencies),
    ):
        col = get_column_letter(TEMPLATE_KEYS.index(key) + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        dv.error = " / ".join(values)
        dv.errorTitle = lang.headers[TEMPLATE_KEYS.index(key)]
        dv.add(f"{col}4:{col}{end}")
        ws.add_data_validation(dv)
    wcol = get_column_letter(TEMPLATE_KEYS.index("weight") + 1)
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                        allow_blank=True)  # fmt: skip
    dv.add(f"{wcol}4:{wcol}{end}")
    ws.add_data_validation(dv)

    help_ws = wb.create_sheet(lang.help_sheet)
    for c, head in enumerate(lang.help_head, start=1):
        cell = help_ws.cell(1, c, head)
        cell.font = Font(bold=True)
        cell.fill = fill
    for r, (head, (need, text, _example)) in enumerate(
        zip(lang.headers, lang.help_rows, strict=True), start=2
    ):
        help_ws.cell(r, 1, head)
        help_ws.cell(r, 2, need)
        help_ws.cell(r, 3, text).alignment = Alignment(wrap_text=True, vertical="top")
    r = len(lang.headers) + 3
    help_ws.cell(r, 1, lang.methods_title).font = Font(bold=True)
    for line in lang.methods:
        r += 1
        help_ws.cell(r, 1, line)
    help_ws.column_dimensions["A"].width = 16
    help_ws.column_dimensions["B"].width = 12
    help_ws.column_dimensions["C"].width = 90
    return wb


# --------------------------------------------------------------------------------------
# Deterministic saving
# --------------------------------------------------------------------------------------

_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def save(wb: Workbook, path: Path) -> None:
    """Save with fixed document properties and zip timestamps: identical bytes every run."""
    wb.properties.creator = COMPANY
    wb.properties.lastModifiedBy = COMPANY
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(
                    lambda m: b"<dcterms:modified" + m.group(1) + b">" + stamp
                    + b"</dcterms:modified>", data)  # fmt: skip
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------------------


def _fmt_anchor(kpi: Kpi, v: float | None) -> str:
    if v is None:
        return ""
    if kpi.is_rate:
        return pct_text(v)
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:g}"


def _target_text(kpi: Kpi) -> str:
    d = {key: getattr(kpi, key) for key in ("target", "floor", "threshold", "stretch")}
    if kpi.low is not None:
        return f"[{_fmt_anchor(kpi, kpi.low)}, {_fmt_anchor(kpi, kpi.high)}]"
    parts = []
    if d["threshold"] is not None:
        parts.append(f"门槛 {_fmt_anchor(kpi, d['threshold'])}")
    parts.append(f"目标 {_fmt_anchor(kpi, d['target'])}")
    if d["stretch"] is not None:
        parts.append(f"挑战 {_fmt_anchor(kpi, d['stretch'])}")
    if d["floor"] is not None:
        parts.append(f"底线 {_fmt_anchor(kpi, d['floor'])}")
    text = " / ".join(parts)
    return f"{text} (年)" if kpi.is_flow else text


def _streaks(statuses: list[str | None]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, s in enumerate([*statuses, None]):
        if s == "red" and start is None:
            start = i
        elif s != "red" and start is not None:
            if i - start >= 2:
                out.append((start, i - 1))
            start = None
    return out


README_HEAD = """# 示例数据: {company}

这是仪表盘自带的示例数据, 全部由 `generate.py` 生成 (固定随机种子, 可重复生成, 文件逐字节一致)。
指标词汇来自项目的两份参考文档 (各部门的数字化转型 KPI、跨部门 KPI、权重分配与评估方法、监控与预警、
平衡计分卡四个维度)。

## 公司

**{company}** ({company_tw}) 是一家正在推进数字化转型的制造业集团, 年营业收入约 10 亿元。集团按平衡
计分卡的四个维度 (财务 / 客户 / 内部流程 / 学习与成长) 考核 7 个部门, 每个部门每月向集团运营管理办公室
报送一张 Excel 考核表。数字化转型类指标 (数据共享平台使用率、流程自动化程度、数字化培训覆盖率……)
两年内持续改善; 目标值每年提高一档 (1 月起生效), 所以每年 1 月部分指标会由绿转黄。

| 部门 | 编号前缀 | 填报人 | 财务 | 客户 | 内部流程 | 学习与成长 | 合计 | 权重合计 | 一票否决 |
|---|---|---|---|---|---|---|---|---|---|
{dept_table}

共 **{n_kpis}** 个维度指标, 其中 **{n_shared}** 个为跨部门协同指标 (协同部门列出的部门在同一维度共担该指标);
另有 **{n_gates}** 个一票否决指标 (不计权重, 只作否决条件) 和若干月份的加分项 / 扣分项。

## 中国企业的考核写法 (SPEC §5)

各部门的表格按国内企业的常见做法填写, 每种写法集中在一个部门, 便于演示和测试:

| 写法 | 部门 | 表格中的样子 | 引擎的读法 |
|---|---|---|---|
| 全部门权重 (§5.3) | {wide} | 9 个指标的权重合起来为 100% (维度内不是 100%), `合计` 行写 100% | 按全部门计分: 维度权重 = 维度内指标权重之和 ({wide_sums}), 部门得分 = 指标得分按权重的加权平均 |
| 维度内权重 (§3) | 其余 6 个部门 | 每个维度内的指标权重各自合计 100% (如 42.86% / 28.57% / 28.57%), `合计` 行不写权重; 季度指标不在表中的月份, 其所在维度合计不足 100% (权重是相对的, 按在表的指标换算) | 维度权重 财务 30 / 客户 30 / 内部流程 25 / 学习与成长 15 |
| 季度考核指标 (§5.1) | {quarterly_depts} | 多一列 `考核频率` (月度 / 季度); {quarterly} 只出现在 3、6、9、12 月的表中, 频率写 `季度`, 实际值为当季调查结果 | 该行的期间改记为所在季度 (如 `2026-Q1`); 月度视图不把它算作缺失 |
| 年度目标 + 累计完成 (§5.2) | {cum_dept} ({cum_from} 起) | 表头 `年度目标` 代替 `目标值`, `本月完成` 代替 `完成值`, 经营指标 ({cum_kpis}) 另有 `本年累计` | 比率等指标的年度目标即当月目标; 流量指标按序时进度: 当月目标 = 年度目标 × 1/12, 本年累计与各月之和一致 |
| 目标值带运算符 (§5.4) | {op_dept} | {op_examples} (方向列照常填写, 与运算符一致) | 运算符给出方向, 单位与单位列一致 |
| 表内得分 (§5.10) | {scored_dept} | 多一列 `得分`: 表格自己按 SPEC §3 算出的指标得分 (一位小数), 实际值缺失时为空 | 与引擎的得分比较, 相差超过 0.5 分时警告 (本示例在 0.05 分以内) |
| 一票否决 (§5.6) | {veto_depts} | {veto_forms}; 目标 0 起, 不填权重 | 只作否决条件, 不进入任何维度; 实际值高于目标 (0) 即否决: 部门当月得分为否决分 (默认 0), 等级为最低档, 原因写明指标与实际值。**{veto_month} {veto_dept_month}否决** ({veto_kpi} 实际 1 起), 所在季度 {veto_quarter} 同样否决; 其余月份不触发 |
| 加分项 / 扣分项 (§5.7) | {item_depts} | 指标行下方, `维度` 列写 `加分项` / `扣分项` (向下合并), `分值` 列写分数, `实际值` 写次数; 只在发生的月份出现。{item_signs} | 不是维度指标; 加权得分之后加上加分、减去扣分 (均按绝对值), 再截取到 [0, 120]; 加分每部门每期最多 {bonus_limit:g} 分。月份见下方「一票否决、加减分与等级」 |
| 扣分制评分标准 (§5.8) | {rule_dept} | 多两列 `分值` (满分, 即该指标在全部门 100 分中的分数) 与 `评分标准`; {rule_ids} 按评分标准计分 (见「评分标准」一节), 其余指标照常按 §3 | 得分点数 = 分值 − 扣分 + 加分, 截取到 [0, 分值 (+ 最高加分)]; 指标得分 = 100 × 点数 / 分值 (封顶 120); 每个月都按规则计分 |
| 绩效等级 (§5.9) | 全部部门 | 表中不写 | 默认等级表 {grade_table}; 被否决的部门为最低档 {lowest}。参考等级见「部门得分」一节 |

## 文件

```
sample_data/
  generate.py                 生成脚本 (python sample_data/generate.py)
  kpi_definitions.xlsx        指标定义: 工作表「指标定义」, 每个指标一行, 无实际值、无期间列
  monthly/YYYY-MM/<部门>_<YYYY>年<M>月_KPI考核表.xlsx   {n_files} 个月度考核表 (7 部门 x 24 个月)
  templates/KPI填报模板.xlsx   空白模板 (简体), 含下拉列表与「填写说明」; 示例行演示 一票否决 / 分值 / 评分标准 列与 加分项、扣分项
  templates/KPI填報範本.xlsx   空白模板 (繁体), 含「填寫說明」
  templates/kpi_template_en.xlsx  空白模板 (英文), 含 Instructions
```

月份: {first} 至 {last} (24 个月)。合计约 {size}。

### 月度考核表的样式

每个文件一张工作表, 管理者实际发送的样子:

1. 第 1 行: 合并单元格标题, 如 `2026年10月 市场部 KPI 考核表` (技术部写作 `技术部 2026年10月 KPI 考核表`)。
   期间只在标题、工作表名 (部分部门) 和文件名里, 表内没有期间列。
2. 第 2 行: `填报人: 林晓雯    填报日期: {mkt_date}` —— 这一行 **不是** 考核期间 (日期在次月)。
   财务部多一个 `审核人`, 用全角冒号; 行政部写作 `填報人: 王雅婷    填報日期: {adm_date}`。
3. 部分部门在表头前空一行 (生产部、财务部、行政部)。
4. 表头行: 中文列名, 各部门列顺序和写法不同 (见下表); 只出现本部门用到的评分列。
5. 指标行按维度排序; 「部门」单元格向下合并覆盖全部指标行, 「维度」在每个维度块内向下合并。
6. 指标行下方是 `合计` 行 ({wide} 写权重合计 100%, 其余部门不写), 然后是 `备注:` / `说明:` 行 (行政部为 `合計`、`備註:`)。

| 部门 | 工作表名 | 表头 (按列顺序, 2026-10) | 权重写法 | 比率写法 |
|---|---|---|---|---|
{style_table}

{cum_dept} {before_cum} 的表头为: {old_header}。

### 目标值

- 比率、得分、时长等 (汇总方式 平均 / 期末): 每月写当年目标, 每年 1 月提高一档。
- 流量 (汇总方式 求和 / 合计: 营业收入、产值、费用、数量): 每月写 **当月目标**, 由年度目标按季节性
  分解 (2 月春节低谷, 第四季度旺季), 同一年 12 个月的目标之和恰好等于年度目标, 季度汇总合理。
  底线值 / 门槛值 / 挑战值同样按月分解。
- {cum_dept} 自 {cum_from} 起只写 **年度目标**: 流量指标为全年目标 (不再按季节分解, 引擎按序时进度取
  年度目标 × 1/12 为当月目标, 所以 2 月春节淡季得分偏低), 其余指标为当年目标; `本年累计` 为当年各月
  `本月完成` 之和。
- {op_dept} 的 {op_ids} 目标值写成带运算符的文本, 数值与上面的规则相同。
- `kpi_definitions.xlsx` 给出 2026 年标准: 非流量指标为年度目标; 流量指标为月均值 (年度 / 12)。
  权重与各部门表内写法一致 ({wide} 为全部门权重, 其余为维度内权重)。

## 指标一览

目标列为 2026 年的值 (流量指标为年度值)。评分方法: 目标值 = 只有目标值; 目标+底线值 = 底线值处 0 分;
三值法 = 门槛值 60 / 目标值 100 / 挑战值 120; 区间 = 目标下限~上限内 100 分。
权重为表内写法 ({wide}: 占全部门; 其余: 占所在维度)。

| 编号 | 部门 | 指标名称 | 维度 | 方向 | 评分方法 | 权重 | 单位 | 汇总方式 | 考核频率 | 2026 目标 | 协同部门 |
|---|---|---|---|---|---|---|---|---|---|---|---|
{kpi_table}

按维度: {persp_counts}。
评分方法: {method_counts}。方向: {direction_counts}。汇总方式: {agg_counts}。

## 文件中的「怪癖」 (解析器需要处理的情况)

| 怪癖 | 出现在 |
|---|---|
{quirk_table}

### 缺失的实际值 (不是 0)

| 指标 | 月份 | 单元格写法 | 文件 |
|---|---|---|---|
{missing_table}

### 连续红灯 (预警演示)

按 SPEC §3 默认设置 (封顶 120、三值法基准 60、红灯 < 80) 计算, 连续 2 个考核期及以上为红灯的指标
(季度指标按季度计):

| 指标 | 部门 | 连续红灯月份 | 说明 |
|---|---|---|---|
{red_table}

{first} 当月的红灯指标 (数字化转型起步): {first_red}。
2026-10 当月: 绿 {n_green} / 黄 {n_amber} / 红 {n_red} / 缺失 {n_missing} (仅本部门自有指标, 不含协同计入;
季度指标 {quarterly} 不在 10 月的表中)。

### 评分标准 ({rule_dept}, §5.8)

| 指标 | 分值 | 评分标准 | 单位 | 2026 目标 |
|---|---|---|---|---|
{rule_table}

`%` 与 `个百分点` 对百分比指标同义, 都指 1 个百分点; {rule_limits}。

### 部门得分 (参考计算)

`generate.py` 的 `reference_result` 按 SPEC §3、§5.3 与 §5.5-§5.9 独立计算的部门得分, 只含本部门自有指标
(应用中的部门得分还计入其他部门协同计入的指标, 所以会略有不同)。加权得分为加减分与否决之前的得分:

| 部门 | 计分方式 | 2026-09 加权得分 | 2026-09 得分 | 2026-09 等级 | 2026-10 加权得分 | 2026-10 得分 | 2026-10 等级 |
|---|---|---|---|---|---|---|---|
{dept_scores}

### 一票否决、加减分与等级 (哪个月看什么)

| 月份 | 部门 | 加权得分 | 加分 | 扣分 | 一票否决 | 得分 | 等级 | 表中的样子 |
|---|---|---|---|---|---|---|---|---|
{event_table}

## 重新生成

```bash
python sample_data/generate.py
```

脚本会删除并重建 `monthly/`、`templates/`、`kpi_definitions.xlsx` 和本 README。
随机种子 `SEED = {seed}`; 工作簿属性 created/modified 与 zip 时间戳固定为 {fixed},
所以两次运行生成的文件逐字节相同。要改数据, 修改 `generate.py` 中的 `CATALOGUE` (指标与模拟参数)、
`INCIDENTS` (红灯事件)、`MISSING` (缺失值)、`COMMA_TEXT` / `FULLWIDTH_MONTHS` (写法怪癖)、
`DEPARTMENT_WIDE` / `QUARTERLY` / `CUMULATIVE_DEPT` / `OPERATOR_TARGETS` / `SCORED_DEPT` / `VETO_MONTH` /
`RULES` / `ITEMS` (SPEC §5 的写法) 和
`STYLES` (各部门的表格样式)。
"""

STREAK_NOTES = {
    "MKT-04": "质量投诉后客户满意度下滑",
    "MKT-07": "新客户开发放缓 (期末预警)",
    "PRD-03": "新产线爬坡, 合格率下降 (期末预警)",
    "TEC-02": "机房故障 (期末预警)",
    "TEC-03": "同一次故障, 响应变慢; 协同计入生产部",
    "PUR-07": "ERP 系统切换",
    "ADM-03": "人手不足; 协同计入财务部、人力资源部",
    "FIN-02": "预算外项目 (期末预警)",
    "FIN-04": "年末应收账款余额季节性上升, 1 月目标又上调一档",
    "MKT-08": "第四季度旺季投诉量大",
    "PRD-09": "1 月目标上调一档, 年度目标按序时进度平均分摊, 春节淡季完成偏少",
}


def _file_name(dept: str, year: int, month: int) -> str:
    return f"{dept}_{year}年{month}月_KPI考核表.xlsx"


def write_readme(actuals: dict[str, list[float]], files: list[Path]) -> str:
    dept_rows = []
    for d in DEPARTMENTS:
        ks = [k for k in CATALOGUE if k.dept == d and not k.gate]
        counts = [sum(k.perspective == p for k in ks) for p in PERSPECTIVES]
        gates = "、".join(k.name for k in CATALOGUE if k.dept == d and k.gate)
        dept_rows.append(
            f"| {d} | {DEPT_CODES[d]} | {STYLES[d].filler_name} | "
            + " | ".join(map(str, counts))
            + f" | {len(ks)} | {'全部门 100%' if d == DEPARTMENT_WIDE else '各维度 100%'} | "
            + f"{gates} |"
        )
    style_rows = []
    weight_words = {"frac_pct": "{w} (百分比格式)", "frac": "{w}", "int": "{w} (表头 权重(%))",
                    "text": "文本 '{w}'"}  # fmt: skip
    rate_words = {
        "fmt": "小数 + 百分比格式",
        "plain": "小数 0.92 (常规格式)",
        "text": "文本 '92.5%'",
    }
    for d in DEPARTMENTS:
        st = STYLES[d]
        heads = form_headers(d, "2026-10")
        cols = [heads[c] for c in form_columns(d, "2026-10")]
        sheet = st.sheet(2026, 10)
        shown = max(
            SHEET_WEIGHT[k.id]
            for k in CATALOGUE
            if k.dept == d and not k.gate and SHEET_WEIGHT[k.id] < 100
        )
        w = weight_cell(st, shown).value
        style_rows.append(
            f"| {d} | `{sheet}` | {' / '.join(cols)} | {weight_words[st.weight].format(w=w)} | "
            f"{rate_words[st.rate]} |"
        )
    kpi_rows = []
    for k in sorted(CATALOGUE, key=lambda k: (DEPARTMENTS.index(k.dept), int(k.id[-2:]))):
        veto = " (一票否决)" if k.veto else ""
        kpi_rows.append(
            f"| {k.id} | {k.dept} | {k.name} | {k.perspective}{veto} | {k.direction} | "
            f"{k.method} | {'—' if k.gate else f'{SHEET_WEIGHT[k.id]:g}%'} | {k.unit} | {k.agg} | "
            f"{'季度' if k.id in QUARTERLY else '月度'} | {_target_text(k)} | "
            f"{'、'.join(k.shared)} |"
        )

    def counts(values: list[str]) -> str:
        seen: dict[str, int] = {}
        for v in values:
            seen[v] = seen.get(v, 0) + 1
        return ", ".join(f"{k} {n}" for k, n in seen.items())

    persp = counts([k.perspective for k in CATALOGUE])
    methods = counts([k.method for k in CATALOGUE])
    directions = counts([k.direction for k in CATALOGUE])
    aggs = counts([k.agg for k in CATALOGUE])

    comma = sorted(COMMA_TEXT, key=lambda x: (x[1], x[0]))
    hr_money = [k.id for k in CATALOGUE if k.dept == HR and k.unit in ("万元", "元")]
    quirks = [
        ("繁体中文表头与取值 (構面 / 指標名稱 / 權重 / 目標值 / 實際值 / 指標極性 / 彙總方式 / "
         "協同部門; 財務、客戶、區間、合計; 指标名、单位、协同部门名也用繁体: 人力資源部、財務部; "
         "`合計` 行与 `備註:` 行)", "行政部 全部 24 个文件"),
        ("表头别名: 指标方向、权重(%)、红线值 (=底线值)、完成值 (=实际值)", "生产部 全部文件"),
        ("表头别名: 编码、考核指标、极性; 指标编号列在最前, 部门列在第 3 列 (仍向下合并)",
         "技术部 全部文件"),
        ("表头别名: 责任部门、构面、零分值 (=底线值)", "采购物流部 全部文件"),
        ("权重为文本 '15%', 比率为文本 '92.5%' (含目标、门槛、挑战、区间值)", "人力资源部 全部文件"),
        ("金额写成带千分位的文本: " + ", ".join(f"{i} {p}" for i, p in comma)
         + f"; 人力资源部 {'、'.join(hr_money)} 的实际值 ≥ 1000 时总是写成 '1,150' 这样的文本",
         "见左"),
        ("全角数字 (如 `９６．２％`, `１０．３`): 当月所有实际值", "采购物流部 " + "、".join(FULLWIDTH_MONTHS)),
        ("比率为小数 + 百分比数字格式 (0.0% / 0.00%)", "市场部、生产部、财务部、采购物流部、行政部"),
        ("比率为常规格式的小数 (0.9965), 权重为小数 0.15", "技术部"),
        ("权重为百分数 60、28.57 (表头 权重(%), 各维度合计 100)", "生产部、采购物流部"),
        ("`考核频率` 列 (月度 / 季度); 季度指标只在 3、6、9、12 月的表中",
         "、".join(sorted({BY_ID[i].dept for i in QUARTERLY}, key=DEPARTMENTS.index))),
        ("`年度目标` / `本月完成` / `本年累计` 表头 (无 `目标值`)",
         f"{CUMULATIVE_DEPT} {CUMULATIVE_FROM} 起"),
        ("目标值写成 `≥99.5%`、`≤30分钟`、`不低于90%`、`5天以内`", f"{TECH_OPS_DEPT} 全部文件"),
        ("`得分` 列 (表格自己算的指标得分)", f"{SCORED_DEPT} 全部文件"),
        (f"`维度` 写 `{GATE_SECTION}` 的行 (重大安全事故, 不填权重)", f"{PRD} 全部文件"),
        ("`一票否决` 列 (`是`; 该行不填权重)", f"{TEC} 全部文件"),
        ("`分值` + `评分标准` 列 (扣分制)", f"{RULE_DEPT} 全部文件"),
        (f"`分值` 列; `维度` 写 `{BONUS_SECTION}` / `{PENALTY_SECTION}` 的行 (不填权重、目标、方向)",
         "、".join(f"{d} " + "、".join(sorted({p for t in ITEMS if t.dept == d for p in t.months}))
                  for d in dict.fromkeys(t.dept for t in ITEMS))),
        ("协同部门用 `,` 分隔 (其余部门用 `、`)", "技术部"),
        ("标题下方 `填报人 / 填报日期` 行 (日期在次月, 不是考核期间); 财务部含 `审核人` 和全角冒号",
         "全部文件"),
        ("表头前空一行", "生产部、财务部、行政部"),
        ("`合计` 行紧接指标行, 之后是 `备注:` / `说明:` 行", "全部文件"),
        ("工作表名含期间: `10月` (市场部、人力资源部), `202610` (技术部); 其余为 `Sheet1` / `KPI考核` / "
         "部门名 / `考核表`", "见左"),
    ]  # fmt: skip
    quirk_rows = [f"| {a} | {b} |" for a, b in quirks]

    missing_rows = []
    for (kid, period), marker in sorted(MISSING.items(), key=lambda x: (x[0][1], x[0][0])):
        k = BY_ID[kid]
        y, m = map(int, period.split("-"))
        shown = "(空)" if marker is None else f"`{marker}`"
        missing_rows.append(
            f"| {kid} {k.name} | {period} | {shown} | monthly/{period}/{_file_name(k.dept, y, m)} |"
        )

    # each KPI's status in the periods it is assessed in (a quarterly one: its quarters)
    months: dict[str, list[int]] = {
        k.id: [i for i, (_, m) in enumerate(MONTHS) if assessed(k, m)] for k in CATALOGUE
    }
    statuses = {k.id: [status(kpi_score(k, actuals, i)) for i in months[k.id]] for k in CATALOGUE}
    red_rows = []
    for k in CATALOGUE:
        for a_, b_ in _streaks(statuses[k.id]):
            a, b = months[k.id][a_], months[k.id][b_]
            span = f"{PERIODS[a]} ~ {PERIODS[b]} ({b_ - a_ + 1} 个月)"
            if k.id in QUARTERLY:
                span = f"{quarter(a)} ~ {quarter(b)} ({b_ - a_ + 1} 个季度)"
            if k.id in STREAK_NOTES:
                note = STREAK_NOTES[k.id]
            elif a == 0:
                note = "数字化转型起步阶段, 随后逐月改善"
            elif k.id == "HR-06":
                note = "春节后离职高峰, 超出区间上限"
            elif MONTHS[a][1] in (1, 2):
                note = "1 月目标上调一档, 叠加春节淡季"
            else:
                note = "季节性 / 波动"
            red_rows.append(f"| {k.id} {k.name} | {k.dept} | {span} | {note} |")
    last_i = len(MONTHS) - 1
    last = [statuses[k.id][-1] for k in CATALOGUE if months[k.id][-1] == last_i and not k.gate]
    first_red = "、".join(
        f"{k.id} {k.name}" for k in CATALOGUE if months[k.id][0] == 0 and statuses[k.id][0] == "red"
    )
    total = sum(f.stat().st_size for f in files)
    dept_scores = []
    for d in DEPARTMENTS:
        rule = "全部门权重" if d == DEPARTMENT_WIDE else "维度权重 30/30/25/15"
        cells = []
        for i in (last_i - 1, last_i):
            res = reference_result(d, actuals, i)
            assert res.before is not None and res.score is not None
            cells += [f"{res.before:.1f}", f"{res.score:.1f}", f"{res.grade}"]
        dept_scores.append(f"| {d} | {rule} | {' | '.join(cells)} |")
    event_rows = []
    events = {(t.dept, p) for t in ITEMS for p in t.months}
    events |= {(k.dept, PERIODS[i]) for k in CATALOGUE if k.veto
               for i in range(len(MONTHS)) if failed_veto(k.dept, actuals, i) is k}  # fmt: skip
    for d, period in sorted(events, key=lambda e: (e[1], DEPARTMENTS.index(e[0]))):
        res = reference_result(d, actuals, PERIODS.index(period))
        assert res.before is not None and res.score is not None
        shown = [
            f"{t.section} {t.name} {t.months[period][0]}{t.unit} 分值 {t.months[period][1]:g}"
            for t in ITEMS
            if t.dept == d and period in t.months
        ]
        veto = "—"
        if res.veto is not None:
            veto = f"{res.veto.name} 实际 {reported(res.veto, actuals, PERIODS.index(period)):g}"
            shown.append(f"{res.veto.perspective} {res.veto.name} 实际 1{res.veto.unit}")
        event_rows.append(
            f"| {period} | {d} | {res.before:.1f} | {res.bonus:g} | {res.penalty:g} | {veto} | "
            f"{res.score:.1f} | {res.grade} | {'; '.join(shown)} |"
        )
    rule_rows = [
        f"| {k.id} {k.name} | {k.weight:g} | `{RULES[k.id].text}` | {k.unit} | "
        f"{_fmt_anchor(k, k.target)} |"
        for k in CATALOGUE
        if k.id in RULES
    ]
    veto_kpis = [k for k in CATALOGUE if k.veto]
    veto_failed = [k for k in veto_kpis if k.id in INCIDENTS]
    assert [list(INCIDENTS[k.id]) for k in veto_failed] == [[VETO_MONTH]]
    signs = {
        d: "负数" if any(p < 0 for t in ITEMS if t.dept == d for _, p in t.months.values())
        else "正数"
        for d in dict.fromkeys(t.dept for t in ITEMS)
    }  # fmt: skip
    wide_sums = " / ".join(
        f"{p} {sum(SHEET_WEIGHT[k.id] for k in CATALOGUE if k.dept == DEPARTMENT_WIDE and k.perspective == p):g}"
        for p in PERSPECTIVES
    )
    y, m = MONTHS[-1]
    cum_from = PERIODS.index(CUMULATIVE_FROM)
    old = form_headers(CUMULATIVE_DEPT, PERIODS[0])
    op_examples = "、".join(
        f"`{operator_target(BY_ID[i], anchors(BY_ID[i], y, m)['target'] or 0)}`"
        for i in OPERATOR_TARGETS
    )
    return README_HEAD.format(
        wide=DEPARTMENT_WIDE,
        wide_sums=wide_sums,
        quarterly_depts="、".join(
            sorted({BY_ID[i].dept for i in QUARTERLY}, key=DEPARTMENTS.index)
        ),
        quarterly="、".join(f"{i} {BY_ID[i].name}" for i in sorted(QUARTERLY)),
        cum_dept=CUMULATIVE_DEPT,
        cum_from=CUMULATIVE_FROM,
        cum_kpis="、".join(
            k.name for k in CATALOGUE if k.dept == CUMULATIVE_DEPT and k.is_flow and not k.veto
        ),
        before_cum=f"{PERIODS[0]} ~ {PERIODS[cum_from - 1]}",
        old_header=" / ".join(old[c] for c in form_columns(CUMULATIVE_DEPT, PERIODS[0])),
        op_dept=TECH_OPS_DEPT,
        op_ids="、".join(OPERATOR_TARGETS),
        op_examples=op_examples,
        scored_dept=SCORED_DEPT,
        dept_scores="\n".join(dept_scores),
        event_table="\n".join(event_rows),
        rule_table="\n".join(rule_rows),
        rule_dept=RULE_DEPT,
        rule_limits="; ".join(
            f"{BY_ID[i].name} 最多加 {r.bonus_limit:g} 分, 点数最多 "
            f"{BY_ID[i].weight + r.bonus_limit:g}、得分最多 "
            f"{100 * (BY_ID[i].weight + r.bonus_limit) / BY_ID[i].weight:.1f} → 封顶 {CAP:g}"
            for i, r in RULES.items()
            if r.bonus_limit is not None
        ),
        rule_ids="、".join(f"{i} {BY_ID[i].name}" for i in RULES),
        veto_depts="、".join(dict.fromkeys(k.dept for k in veto_kpis)),
        veto_forms="; ".join(
            f"{k.dept}: {k.name} 写在 `维度` 为 `{GATE_SECTION}` 的行"
            if k.perspective == GATE_SECTION
            else f"{k.dept}: {k.name} 在 `{k.perspective}` 维度, `一票否决` 列写 `是`"
            for k in veto_kpis
        ),
        veto_month=VETO_MONTH,
        veto_dept_month=veto_failed[0].dept,
        veto_kpi=veto_failed[0].name,
        veto_quarter=quarter(PERIODS.index(VETO_MONTH)),
        item_depts="、".join(signs),
        item_signs=" ".join(f"{d} 的扣分写成{sign};" for d, sign in signs.items())
        + " 两种写法都按绝对值扣分。",
        bonus_limit=BONUS_LIMIT,
        grade_table=" / ".join(f"{g} ≥ {v:g}" for g, v in GRADES) + f" / {LOWEST_GRADE} 其余",
        lowest=LOWEST_GRADE,
        n_gates=sum(k.gate for k in CATALOGUE),
        company=COMPANY,
        company_tw=COMPANY_TW,
        dept_table="\n".join(dept_rows),
        n_kpis=sum(not k.gate for k in CATALOGUE),
        n_shared=sum(bool(k.shared) for k in CATALOGUE),
        n_files=len([f for f in files if "monthly" in f.parts]),
        first=PERIODS[0],
        last=PERIODS[-1],
        size=f"{total / 1024 / 1024:.1f} MB",
        style_table="\n".join(style_rows),
        kpi_table="\n".join(kpi_rows),
        persp_counts=persp,
        method_counts=methods,
        direction_counts=directions,
        agg_counts=aggs,
        quirk_table="\n".join(quirk_rows),
        missing_table="\n".join(missing_rows),
        red_table="\n".join(red_rows),
        n_green=last.count("green"),
        n_amber=last.count("amber"),
        n_red=last.count("red"),
        n_missing=last.count(None),
        first_red=first_red,
        mkt_date=filing_date(DEPARTMENTS.index(MKT), 2026, 10, "-"),
        adm_date=filing_date(DEPARTMENTS.index(ADM), 2026, 10, "/"),
        seed=SEED,
        fixed=FIXED_TIME.isoformat(sep=" "),
    )


# --------------------------------------------------------------------------------------


def check_catalogue() -> None:
    """The catalogue and the SPEC §5 choices above fit together (fails before writing)."""
    assert len({k.id for k in CATALOGUE}) == len(CATALOGUE)
    for d in DEPARTMENTS:
        ks = [k for k in CATALOGUE if k.dept == d and not k.gate]
        assert sum(k.weight for k in ks) == 100, d
        assert len({k.perspective for k in ks}) >= 3, d
        sums = {p: sum(SHEET_WEIGHT[k.id] for k in ks if k.perspective == p) for p in PERSPECTIVES}
        if d == DEPARTMENT_WIDE:  # SPEC §5.3: 100 across the department, not per perspective
            assert abs(sum(sums.values()) - 100) < 1e-9 and sums[PERSPECTIVES[0]] != 100, d
        else:
            assert all(abs(v - 100) < 1e-9 for v in sums.values() if v), (d, sums)
        assert ("freq" in STYLES[d].columns) == any(k.id in QUARTERLY for k in ks), d
    assert "score" in STYLES[SCORED_DEPT].columns
    for k in CATALOGUE:  # §5.6: the sample's veto KPIs are gates counting events
        if k.veto:
            assert k.gate and k.target == 0 and k.direction == "越低越好", k.id
            assert k.perspective == GATE_SECTION or "veto" in STYLES[k.dept].columns, k.id
        assert k.perspective in (*PERSPECTIVES, GATE_SECTION), k.id
    for kid in RULES:  # §5.8: full points are the catalogue weights, written as 分值
        k = BY_ID[kid]
        assert k.dept == RULE_DEPT and k.target is not None, kid
        assert (k.threshold, k.stretch, k.floor, k.low) == (None, None, None, None), kid
    assert {"points", "rule"} <= set(STYLES[RULE_DEPT].columns)
    for t in ITEMS:  # §5.7
        assert "points" in STYLES[t.dept].columns and t.section in (BONUS_SECTION, PENALTY_SECTION)
        assert all(p in PERIODS for p in t.months), t.id
    assert "ytd" in STYLES[CUMULATIVE_DEPT].columns
    for kid in QUARTERLY:  # a survey: its quarter's actual is a mean of levels
        assert BY_ID[kid].agg == "平均", kid
    for kid in OPERATOR_TARGETS:
        assert BY_ID[kid].dept == TECH_OPS_DEPT and BY_ID[kid].target is not None, kid
    for kid, period in MISSING:
        k = BY_ID[kid]
        assert assessed(k, int(period[-2:])), (kid, period)
        # a missing month would leave 本年累计 short of the months' sum
        assert not (k.is_flow and cumulative_form(k.dept, period)), (kid, period)
    for k in CATALOGUE:
        if k.is_flow and k.dept == CUMULATIVE_DEPT:  # 年度目标 alone: no monthly anchors
            assert (k.floor, k.threshold, k.stretch) == (None, None, None), k.id
    for k in CATALOGUE:
        assert (k.low is None) == (k.direction != "区间"), k.id
        assert (k.target is None) == (k.direction == "区间"), k.id
        for y in (2024, 2025, 2026):
            a = anchors(k, y, 6)
            if k.threshold is not None and a["target"] is not None:
                higher = k.direction == "越高越好"
                th, t = a["threshold"], a["target"]
                assert th is not None and (th < t if higher else th > t), (k.id, y)
            if k.floor is not None and a["target"] is not None and a["floor"] is not None:
                higher = k.direction == "越高越好"
                assert a["floor"] < a["target"] if higher else a["floor"] > a["target"], k.id


def main(argv: list[str] | None = None) -> None:
    """Write everything under this folder, or under `--out DIR` (the determinism test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    out: Path = parser.parse_args(argv).out
    check_catalogue()
    for sub in ("monthly", "templates"):
        shutil.rmtree(out / sub, ignore_errors=True)
    actuals = build_actuals()
    files: list[Path] = []
    for year, month in MONTHS:
        for dept in DEPARTMENTS:
            path = out / "monthly" / f"{year}-{month:02d}" / _file_name(dept, year, month)
            save(write_form(dept, year, month, actuals), path)
            files.append(path)
    path = out / "kpi_definitions.xlsx"
    save(write_definitions(), path)
    files.append(path)
    for lang in TEMPLATES:
        path = out / "templates" / lang.file
        save(write_template(lang), path)
        files.append(path)
    (out / "README.md").write_text(write_readme(actuals, files), encoding="utf-8")
    total = sum(f.stat().st_size for f in files)
    print(f"wrote {len(files)} workbooks ({total / 1024:.0f} KiB) and README.md under {out}")


if __name__ == "__main__":
    main()
