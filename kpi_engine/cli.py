"""`python -m kpi_engine`: validate and score workbooks from scripts (SPEC §4).

Exit codes: 0 no errors; 1 errors (validate: any; score: a file that could not be read,
no accepted rows, or any error with --strict); 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from . import periods
from .ingest import Loaded, load_files
from .issues import ERROR, Issue, issues_frame
from .report import issues_json, scorecard_json, write_xlsx
from .scorecard import build


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on bad usage, as SPEC wants
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _period_arg(check: str):
    def parse(text: str) -> str:
        if not getattr(periods, check)(text):
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {check[3:]}")
        return text

    return parse


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="python -m kpi_engine", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = commands.add_parser("validate", help="check workbooks; report errors and warnings")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    run = commands.add_parser("score", help="score KPIs and roll them up")
    run.add_argument("files", nargs="+", metavar="FILE")
    when = run.add_mutually_exclusive_group()
    when.add_argument("--period", type=_period_arg("is_month"), help="one month, YYYY-MM")
    when.add_argument("--quarter", type=_period_arg("is_quarter"), help="a quarter, YYYY-Qn")
    when.add_argument(
        "--ytd",
        type=_period_arg("is_month"),
        metavar="YYYY-MM",
        help="year to date through this month",
    )
    out = run.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the results as JSON")
    out.add_argument("--out", type=Path, help="write the results to an .xlsx workbook")
    run.add_argument("--strict", action="store_true", help="exit 1 on any row error")
    return root


def _load(paths: Sequence[str]) -> Loaded:
    files, unreadable = [], []
    for path in paths:
        try:
            files.append((Path(path).name, Path(path).read_bytes()))
        except OSError as exc:
            unreadable.append(
                Issue.of(
                    ERROR,
                    Path(path).name,
                    None,
                    None,
                    None,
                    None,
                    "cannot_open",
                    reason=exc.strerror,
                )
            )
    loaded = load_files(files)
    if not unreadable:
        return loaded
    issues = issues_frame([*unreadable, *(Issue(**r) for r in loaded.issues.to_dict("records"))])
    return replace(loaded, issues=issues)


def _print_issues(loaded: Loaded, stream: object) -> None:
    for issue in loaded.issues.itertuples(index=False):
        where = ":".join(str(p) for p in (issue.file, issue.sheet, issue.row) if p is not None)
        column = f" [{issue.column}]" if issue.column else ""
        value = f" value={issue.value!r}" if issue.value is not None else ""
        print(f"{issue.severity}: {where}{column}{value}: {issue.message}", file=stream)


def validate(args: argparse.Namespace) -> int:
    loaded = _load(args.files)
    if args.json:
        doc = {
            "rows_accepted": loaded.rows_accepted,
            "rows_rejected": loaded.rows_rejected,
            **issues_json(loaded.issues),
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
    else:
        _print_issues(loaded, sys.stdout)
        print(
            f"{loaded.rows_accepted} rows accepted, {loaded.rows_rejected} rejected, "
            f"{len(loaded.errors)} errors, {len(loaded.warnings)} warnings"
        )
    return 1 if len(loaded.errors) else 0


def score(args: argparse.Namespace) -> int:
    loaded = _load(args.files)
    period = args.period or args.quarter or (f"{args.ytd}-YTD" if args.ytd else None)
    card = build(loaded.kpis, period=period)
    if args.out:
        write_xlsx(card, loaded.issues, args.out)
    if args.json or not args.out:
        doc = {**scorecard_json(card), **issues_json(loaded.issues)}
        if args.json:
            print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        else:
            _print_table(card)
    if not args.json:
        _print_issues(loaded, sys.stderr)
    unreadable = loaded.errors["row"].isna().any()
    failed = unreadable or loaded.rows_accepted == 0 or (args.strict and len(loaded.errors))
    return 1 if failed else 0


def _print_table(card) -> None:
    frame = card.departments.merge(card.organization, on="period", suffixes=("", "_org"))
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.1f}"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return {"validate": validate, "score": score}[args.command](args)
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
