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
    "bad_period": "period not understood: write the month as 2026-10, 2026年10月 or Oct 2026",
    "no_period": "no period: add a 期间 (period) column, or put the month in the title row, "
    "sheet name or file name (e.g. 2026年10月)",
    "superseded": "the same KPI and period appears again further on: this row is replaced by "
    "the later one",
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
    # SPEC §5.3 (load.py)
    "department_wide_weights": "weights of {department} in {period} add up to {total} across "
    "the department, not within each perspective: the department is scored department-wide "
    "(each perspective weighs the sum of its KPI weights, so the department score is the "
    "weighted mean of its KPI scores); if the weights are meant within each perspective, "
    "choose perspective weights as the weighting rule on the Settings page",
}

# scoring.anchor_problems speaks in texts; these are their codes.
ANCHOR_CODES: Mapping[str, str] = {
    text: code for code, text in MESSAGES.items() if text in scoring.MESSAGES
}


def text(code: str, **params: object) -> str:
    """The English message for `code` with its params filled in."""
    return MESSAGES[code].format(**params)
