"""Every problem the engine reports, by code: the English text, written here only.

An `Issue` carries its `code` and `params`; the CLI and JSON print the English `message`.
The app shows the catalog entry `issue.<code>` with the same params in Chinese; the `en`
catalog has no `issue.*` entries, so English readers see this text (`ui.tables`). Each
text says what is wrong, then after the colon what to do.
"""

from __future__ import annotations

from collections.abc import Mapping

from kpi_engine.core import scoring

MESSAGES: Mapping[str, str] = {
    # files (workbook.py, ingest.py)
    "file_too_big": "file is {size_mb} MB, over the {limit_mb} MB limit: split it into smaller "
    "workbooks (one per department or month)",
    "file_empty": "file is empty: export the sheet again from Excel",
    "file_encrypted": "workbook is password-protected: remove the password (File > Info > "
    "Protect Workbook > Encrypt with Password), save and upload again",
    "not_a_workbook": "not an Excel workbook (it starts with {head}): save it from Excel as "
    ".xlsx, .xlsm, .xls or .csv and upload again",
    "zip_not_workbook": "a zip file but not an Excel workbook: save it from Excel as .xlsx",
    "document_not_workbook": "a Word, PowerPoint or other document, not an Excel workbook: "
    "open the KPI sheet in Excel, save it as .xlsx and upload that",
    "text_not_workbook": "a text (CSV) file with an Excel file name: rename it to .csv, or "
    "open it in Excel and save it as .xlsx, and upload again",
    "too_many_cells": "workbook spans {cells} cells counted from A1 to each sheet's last "
    "cell, over the limit of {limit}: delete stray cells far below or right of the table "
    "(Ctrl+End shows the last one) and save again",
    "too_many_parts": "workbook holds too many parts: save it again from Excel",
    "file_damaged": "file is damaged (not a readable .xlsx zip): open it in Excel, save a new "
    "copy and upload that",
    "unzipped_too_big": "workbook expands to more than {size_mb} MB when unzipped (limit "
    "{limit_mb} MB): remove unused sheets, images or formatted empty rows and save again",
    "unreadable": "cannot be read as a workbook ({reason}): open it in Excel, save a new copy "
    "as .xlsx and upload that",
    "too_many_sheets": "workbook has {sheets} sheets, over the limit of {limit}: keep the KPI "
    "sheets and upload again",
    "sheet_too_big": "sheet is {rows} rows x {columns} columns, over the limit of {max_rows} x "
    "{max_columns}: delete the empty formatted rows below the table or split the sheet",
    "csv_binary": "not a text CSV (it holds binary data): save it again as CSV",
    "csv_encoding": "CSV is in none of UTF-8, GBK/GB18030, Big5 or Shift-JIS: save it from "
    "Excel as 'CSV UTF-8' and upload again",
    "csv_unreadable": "CSV cannot be read ({reason}): save it again from Excel as 'CSV UTF-8' "
    "and upload again",
    "xlsb_not_supported": "an Excel binary workbook (.xlsb), which is not read: open it in "
    "Excel, save it as .xlsx (File > Save As > Excel Workbook) and upload that",
    "too_many_merges": "sheet has {count} merged cell ranges, over the limit of {limit}: "
    "unmerge the cells outside the title (Home > Merge & Center) and save again",
    "merges_overlap": "sheet's merged cell ranges overlap, which Excel never saves: open it "
    "in Excel, save a new copy as .xlsx and upload that",
    "reader_failed": "reading the workbook stopped: it needs more than the {memory_mb} MB "
    "allowed, or it is damaged: delete stray cells far below or right of the table "
    "(Ctrl+End shows the last one), save it as .xlsx and upload again",
    "reader_timeout": "reading the workbook took longer than the {seconds} s allowed: delete "
    "stray cells, unused sheets and formatting far from the table, save it as .xlsx and "
    "upload again",
    "hidden_sheet": "a hidden sheet, imported like the others: check that its rows are meant "
    "to count, or delete the sheet",
    "very_hidden_sheet": "a very hidden sheet (Excel's menus cannot show it), imported like "
    "the others: check that its rows are meant to count, or delete the sheet",
    "text_cut": "{count} cells hold more than 32,767 characters, more than Excel allows: only "
    "the first 32,767 of each were read; shorten them",
    "csv_too_big": "CSV is over the limit of {max_rows} rows x {max_columns} columns: split it",
    "cannot_open": "cannot open the file ({reason}): check the path",
    "no_kpi_table": "no KPI table found: the header row needs at least a KPI name or id column "
    "(指标名称 / KPI name) and one more known column such as 目标值 / Target; download the "
    "template and copy the data into it",
    "sheet_skipped": "sheet skipped: no header row with a KPI name or id column found in its "
    "first {rows} rows",
    "month_without_year": "month column without a year: put the year in the title row, the "
    "sheet name or the file name (e.g. 2026年), or write 2026-01",
    "unknown_header": "an unrecognised header: kept as an extra field; rename it to a known "
    "header (see the template) if it should be scored",
    "second_column": "a second column for {field}: kept as an extra field; rename it to a "
    "known header (see the template) if it should be scored",
    # the organisation tree (hierarchy.py, issue 18)
    "org_parent_department": "{parent} has KPI rows of its own, so it is a department and "
    "cannot have {unit} under it (only units have children): this placement is not used; "
    "write the unit {unit} belongs to instead",
    "org_two_parents": "{unit} is placed under {parent} here and under {kept} further on: "
    "the later placement ({kept}) is used; keep one parent per unit",
    "org_cycle": "placing {unit} under {parent} closes a circle ({cycle}): this placement is "
    "not used; give one unit of the circle a parent outside it",
    # rows (validate.py)
    "unknown_perspective": "unknown perspective: use 财务 / 客户 / 内部流程 / 学习与成长 (or "
    "financial, customer, internal process, learning & growth)",
    "unknown_direction": "unknown direction: use 越高越好 / 越低越好 / 区间 (or higher, lower, "
    "range)",
    "not_a_number": "not a number: enter a number such as 85, 0.85 or 85%, or leave the cell empty",
    "negative_weight": "weight is negative: enter 0 or more (0 shows the KPI without counting it)",
    "unknown_aggregation": "unknown aggregation, treated as 平均 (avg): use 求和 / 平均 / 期末 "
    "(sum, avg, last)",
    "definition_no_perspective": "no perspective: fill in 财务 / 客户 / 内部流程 / 学习与成长",
    "total_row": "total row skipped: it is not a KPI",
    "note_row": "note row skipped",
    "signature_row": "signature, approval or filled-in-by line skipped: it is not a KPI",
    "empty_month": "month column {month} has no value in any row ({count} rows), so it was "
    "not loaded: fill it in once the month is reported",
    "excel_error": "the cell shows the Excel error {error}, a formula that broke: correct the "
    "formula (or type the value) in Excel and upload again",
    "text_too_long": "longer than {limit} characters: shorten it (a name, not a description)",
    "no_kpi_name": "row has values but no KPI name or id: fill in the KPI name, or delete the row",
    "no_department": "no department: fill in the 部门 column, or put the department in the "
    "title row, sheet name or file name (e.g. 市场部)",
    "no_perspective": "no perspective: fill in 财务 / 客户 / 内部流程 / 学习与成长, or upload "
    "the KPI definitions that name it",
    "default_direction": "no direction given: treated as higher-is-better (越高越好) ({count} "
    "rows)",
    "weight_missing": "weight is empty while other KPIs of the sheet have one: enter a weight "
    "(0 to show the KPI without counting it)",
    "default_weight": "no weights given: KPIs weigh the same ({count} rows)",
    "unsafe_character": "holds an invisible or control character ({char}): retype the name "
    "without it (copying from a web page or chat often brings such characters along)",
    "note_too_long": "note is {length} characters, over the limit of {limit}: it was left out; "
    "shorten it and upload again, or write it on the Scorecard",
    "note_unsafe": "note holds an invisible or control character ({char}): it was left out; "
    "retype it and upload again, or write it on the Scorecard",
    "weight_too_large": "weight is above the limit of {limit}: weights are relative, write "
    "them as percentages or shares (20, 20% or 0.2)",
    "not_finite": "number is too large to be a real value: check the cell",
    "future_period": "period is later than {latest}, the month after this one: check the year "
    "and month",
    "unknown_partner": "shared with {names}, which is no department known from the data or "
    "the definitions: check the spelling (it may be a typo); the KPI counts for it as written",
    "filled_from_definitions": "{count} empty cells were filled in from the stored KPI "
    "definitions: {columns}: check that the definitions still hold for this sheet, or fill "
    "the cells in",
    "bad_period": "period not understood: write a month (2026-10, 2026年10月, Oct 2026), a "
    "quarter (2026-Q1, 2026年第一季度, Q1 2026), a half-year (2026-H1, 2026年上半年) or a year "
    "(2026, 2026年度, FY2026)",
    "no_period": "no period: add a 期间 (period) column, or put the period in the title row, "
    "sheet name or file name (e.g. 2026年10月, 2026年第一季度, 2026年上半年 or 2026年度)",
    "unknown_frequency": "unknown frequency: use 月度 / 季度 / 半年度 / 年度 (monthly, "
    "quarterly, half-yearly, annual)",
    "frequency_finer": "the frequency is finer than the period the row was found in (a monthly "
    "KPI on a quarterly or annual sheet): put the KPI on a sheet of its own frequency, or "
    "correct the 考核频率 (frequency) cell",
    "superseded": "the same KPI and period appears again further on: this row is replaced by "
    "the later one",
    # cumulative actuals and annual targets (cumulative.py, SPEC §5.2)
    "cumulative_actual": "the actuals are year-to-date (累计): each is scored against the "
    "target to date, and a quarter, half-year or year takes its value at the period's end "
    "(aggregation 'last', whatever the aggregation column says) ({count} rows)",
    "annual_target_derived": "{count} targets were derived from the annual target (年度目标): "
    "a sum KPI's is the annual target × the months elapsed / 12 for a year-to-date actual "
    "(序时进度), × the months in the period / 12 for a period's actual; an avg or last "
    "KPI's is the annual target itself: fill in the 目标值 (target) column where the plan is "
    "not spread evenly over the year",
    "cumulative_mismatch": "the cumulative figure {cumulative} differs from the sum of the "
    "period actuals {months} ({total}) by more than 0.5 %: check this cell and the monthly "
    "actuals; the period actuals are the ones scored",
    "definition_target_to_date": "{count} targets filled in from the KPI definitions are "
    "one period's, and the actuals are year-to-date: each was multiplied by the periods "
    "elapsed since January (序时进度): write a 累计目标 (cumulative target) column where the "
    "plan is not spread evenly over the year",
    "definition_annual_target": "annual and cumulative targets in a KPI definitions sheet "
    "are not used ({count} rows): write them on the sheet with the actuals, or give the "
    "definition a 目标值 (target)",
    # written targets and actuals (SPEC §5.4, §5.5), items not scored yet (§5.6, §5.7)
    "direction_from_target": "the target is written with an operator (≥, ≤, 以上, 以内, ±...) and "
    "the direction column is empty: the KPI is scored as {direction}; fill in the direction "
    "column to say so yourself",
    "direction_conflict": "the target's operator means {written}, but the direction column says "
    "{direction}: correct the target cell or the direction so that they agree",
    "range_conflict": "the target is written as a range (25±2) that differs from the target low "
    "and target high columns: keep the range in one place",
    "unit_from_target": "the unit {unit} is taken from the target cell (the unit column is "
    "empty): actuals in another unit are refused; fill in the unit column to say so yourself",
    "unit_differs": "the target is written in {unit} but the unit column says {column_unit}: the "
    "target's unit is used, and actuals must be in {unit}; correct the one that is wrong",
    "unit_mismatch": "written in {unit}, but the target is in {expected}: no unit is converted "
    "(98万元 is not 98元), so write the number in {expected}",
    "written_target_unread": "the target is written with an operator or a ± range, but its number "
    "cannot be read: write one operator and one number, such as ≥95%, 95%以上, ≤2天, 2天以内 or "
    "25±2",
    "operator_not_target": "an operator (≥, ≤, 以上, 以内, ±...) belongs in the target cell only: "
    "write the number alone here",
    "zero_target_count": "a lower-is-better count with target 0 and no floor: scored 100 when the "
    "actual is 0 and 0 when it is above 0; enter a floor (红线值), such as 3, for partial credit",
    # veto KPIs and bonus / penalty items (SPEC §5.6, §5.7)
    "unknown_veto": "the veto (一票否决) cell says neither yes nor no, so the KPI is not a veto "
    "KPI: write 是 / Y / √ / 1 for a veto KPI, or leave it empty",
    "veto_no_bound": "a veto KPI (一票否决) needs a target, a floor (红线值) or a target range to "
    "fail against: enter one of them",
    "item_no_points": "a bonus or penalty item (加分项 / 扣分项) without points: enter its points "
    "in the 分值 / 加分 / 扣分 column or as the actual value",
    # two-row headers (load.py, SPEC §5.11)
    "period_header_unread": "two-row header: the text over these 目标 / 实际 (target / actual) "
    "columns is not a period, so they were not loaded: write the period as 2026-01, "
    "2026年1月 or 1月 (with the year in the title)",
    "period_no_actual": "two-row header: no 实际 / 完成值 (actual) column under this period, "
    "so it was not loaded: label the two columns under each period 目标 / 实际 "
    "(target / actual)",
    "period_label_unknown": "two-row header: this label under the period {period} is "
    "neither a target nor an actual: kept as an extra field; write 目标 or 实际 (target or "
    "actual) if it should be scored",
    # the sheet's own numbers and plausibility (reconcile.py, SPEC §5.10)
    "own_score_differs": "the sheet's own score in {cell} is {written}, the engine scores "
    "{engine}: the engine's score stands; check the sheet's formula, or the target, actual "
    "and direction",
    "own_weighted_score_differs": "the sheet's weighted score in {cell} is {written}, the "
    "engine's score × weight is {engine}: the engine's number stands; check the sheet's "
    "formula, or the weight (weights above 1 are read as out of 100)",
    "own_completion_differs": "the sheet's completion rate in {cell} is {written}, actual / "
    "target is {engine}: the engine's number stands; check the sheet's formula, or the "
    "target and actual",
    "actual_far_above": "actual {actual} is more than 20 times the target {target}: check "
    "that both are in the same unit (元 against 万元, 96 against 96%); scored as written",
    "actual_far_below": "actual {actual} is less than a twentieth of the target {target}: "
    "check that both are in the same unit (元 against 万元, 96 against 96%); scored as "
    "written",
    "mixed_weight_forms": "weights are written both as percentages ({percent}) and as plain "
    "numbers above 1 ({plain}) in this sheet, so {percent} counts as {share} against "
    "{plain}: write every weight the same way (all 20 or all 20%)",
    # anchors (scoring.anchor_problems)
    "direction_invalid": scoring.MSG_DIRECTION,
    "target_missing": scoring.MSG_TARGET_MISSING,
    "higher_target": scoring.MSG_HIGHER_TARGET,
    "lower_target": scoring.MSG_LOWER_TARGET,
    "higher_floor": scoring.MSG_HIGHER_FLOOR,
    "lower_floor": scoring.MSG_LOWER_FLOOR,
    "higher_threshold": scoring.MSG_HIGHER_THRESHOLD,
    "lower_threshold": scoring.MSG_LOWER_THRESHOLD,
    "higher_stretch": scoring.MSG_HIGHER_STRETCH,
    "lower_stretch": scoring.MSG_LOWER_STRETCH,
    "range_missing": scoring.MSG_RANGE_MISSING,
    "range_order": scoring.MSG_RANGE_ORDER,
    "range_point": scoring.MSG_RANGE_POINT,
    "range_floor": scoring.MSG_RANGE_FLOOR,
    # scoring rules (扣分制, SPEC §5.8; core.rules)
    "rule_zero_target": scoring.MSG_RULE_ZERO_TARGET,
    "rule_unread": "the scoring rule is not understood at {part}, so this KPI is scored by "
    "its target line (actual against target, as KPIs without a rule are) instead: write "
    "the rule as clauses such as 每低于目标1%扣2分, 每超过目标1%加1分, 每发生1次扣5分 or "
    "每延迟1天扣1分, with limits such as 扣完为止, 最多扣10分 or 最高加5分, separated by ；or ，",
    "rule_scored": "{count} rows are scored by their own scoring rule (评分标准) instead of "
    "the target line: points = full points − deductions + bonuses, the full points from the "
    "分值 / 标准分 / 满分 column, else the weight (20, 0.2 and 20% are 20 points), else 100, "
    "and the score is 100 × points / full points; in a KPI in percent (unit %, or no unit "
    "and a target written as a share such as 95%) 1% is one percentage point, elsewhere "
    "1 % of the target: check that the rules read as meant",
    "own_rule_score_differs": "the sheet's own score in {cell} is {written}; by its scoring "
    "rule the KPI has {points} of {full} points, a score of {engine}: the engine's numbers "
    "stand; check the sheet's formula, or the rule, the target and the actual",
    "own_rule_weighted_score_differs": "the sheet's weighted score in {cell} is {written}; by "
    "its scoring rule the KPI has {points} of {full} points, and its score × weight is "
    "{engine}: the engine's numbers stand; check the sheet's formula, or the rule, the "
    "target, the actual and the weight",
    # SPEC §5.3 (load.py)
    "department_wide_weights": "weights of {department} in {period} add up to {total} across "
    "the department, not within each perspective: the department is scored department-wide "
    "(each perspective weighs the sum of its KPI weights, so the department score is the "
    "weighted mean of its KPI scores); if the weights are meant within each perspective, "
    "choose perspective weights as the weighting rule on the Settings page",
}

# Warnings to read before the rows are stored (SPEC §5.10): the sheet's own numbers
# disagree with the engine's, or look like a unit slip. The Data page holds such a file
# until the manager has seen them and imports it.
CHECK_BEFORE_IMPORT: frozenset[str] = frozenset(
    {
        "own_score_differs",
        "own_weighted_score_differs",
        "own_completion_differs",
        "actual_far_above",
        "actual_far_below",
        "mixed_weight_forms",
        "own_rule_score_differs",
        "own_rule_weighted_score_differs",
    }
)

# scoring.anchor_problems speaks in texts; these are their codes.
ANCHOR_CODES: Mapping[str, str] = {
    text: code for code, text in MESSAGES.items() if text in scoring.MESSAGES
}


def text(code: str, **params: object) -> str:
    """The English message for `code` with its params filled in."""
    return MESSAGES[code].format(**params)
