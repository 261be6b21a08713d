"""`python -m kpi_engine`: validate and score workbooks from scripts (SPEC §4); derive
weights; write the leadership reports (.xlsx workbook, one-page .pdf, .pptx deck).

Exit codes: 0 no errors; 1 errors (validate: any; score: a file that could not be read,
no accepted rows, or any error with --strict; weights: a matrix AHP cannot use, or nothing
to weigh; report: a file that could not be read, no accepted rows, or no rows for the
period or department); 2 bad usage. A consistency ratio of 0.1 or more is a warning on
stderr, exit 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import NoReturn, TextIO

import pandas as pd

from kpi_engine.cli import admin, digest
from kpi_engine.cli import explain as explain_command
from kpi_engine.core import insights, periods
from kpi_engine.core.names import department_key
from kpi_engine.core.schema import ERROR, Loaded
from kpi_engine.core.scorecard import build
from kpi_engine.core.settings import DEFAULTS, Settings, problems
from kpi_engine.i18n import DEFAULT_LANG, LANGUAGES
from kpi_engine.ingest.issues import Issue, issues_frame
from kpi_engine.ingest.load import load_files
from kpi_engine.reports.plain import issues_json, scorecard_json, write_xlsx


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 on bad usage, as SPEC wants
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
    _period_options(run)
    out = run.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the results as JSON")
    out.add_argument("--out", type=Path, help="write the results to an .xlsx workbook")
    run.add_argument("--strict", action="store_true", help="exit 1 on any row error")
    _settings_option(run)
    _weights_parser(commands)
    _report_parser(commands)
    admin.add_parsers(commands)
    explain_command.add_parser(commands)
    digest.add_parser(commands)
    return root


def _period_options(command: argparse.ArgumentParser) -> None:
    """--period / --quarter / --ytd, at most one (`_period_label` reads them)."""
    when = command.add_mutually_exclusive_group()
    when.add_argument(
        "--period",
        type=_period_arg("is_label"),
        metavar="PERIOD",
        help="a month YYYY-MM, quarter YYYY-Qn, half-year YYYY-Hn or year YYYY",
    )
    when.add_argument("--quarter", type=_period_arg("is_quarter"), help="a quarter, YYYY-Qn")
    when.add_argument(
        "--ytd",
        type=_period_arg("is_month"),
        metavar="YYYY-MM",
        help="year to date through this month",
    )


def _settings_file(text: str) -> Settings:
    """Settings from a JSON object of `Settings` fields (those left out keep SPEC's
    defaults), as the Settings page stores them: a misspelt field or an unusable value is
    bad usage, never silently ignored."""
    try:
        value = json.loads(Path(text).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{text}: cannot read settings ({exc})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"{text}: settings are a JSON object of fields")
    unknown = sorted(set(value) - {f.name for f in fields(Settings)} - {"version"})
    if unknown:
        raise argparse.ArgumentTypeError(f"{text}: unknown settings {', '.join(unknown)}")
    value.pop("version", None)
    try:
        settings = Settings(**value)
        found = problems(settings)
    except (TypeError, ValueError, AttributeError) as exc:
        raise argparse.ArgumentTypeError(f"{text}: unusable settings ({exc})") from None
    if found:
        raise argparse.ArgumentTypeError(f"{text}: unusable settings: {', '.join(found)}")
    return settings


def _settings_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--settings",
        type=_settings_file,
        default=DEFAULTS,
        metavar="SETTINGS.json",
        help="scoring settings (weights, bands, cap, veto score, bonus limit, grades) as JSON",
    )


def _period_label(args: argparse.Namespace) -> str | None:
    return args.period or args.quarter or (f"{args.ytd}-YTD" if args.ytd else None)


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


def _fail(message: str) -> int:
    """Say what went wrong on stderr, as `error: ...`; the exit code of a failed command."""
    print(f"error: {message}", file=sys.stderr)
    return 1


def _print_issues(loaded: Loaded, stream: TextIO) -> None:
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
    card = build(loaded.kpis, period=_period_label(args), settings=args.settings, org=loaded.org)
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


# --- weights: AHP and entropy (python -m kpi_engine weights ahp|entropy) ------------------


def _any_period(text: str) -> str:
    if periods.is_label(text):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a period (YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY, YYYY-MM-YTD)"
    )


def _weights_parser(commands: argparse._SubParsersAction) -> None:
    derive = commands.add_parser("weights", help="derive weights: AHP or entropy")
    methods = derive.add_subparsers(dest="method", required=True, parser_class=_Parser)
    ahp = methods.add_parser(
        "ahp", help="AHP weights and consistency ratio of a pairwise comparison matrix"
    )
    ahp.add_argument("matrix", metavar="MATRIX.csv", help="header row of names, then the matrix")
    ahp.add_argument("--json", action="store_true", help="print the result as JSON")
    entropy = methods.add_parser(
        "entropy", help="entropy weights of KPIs (or perspectives) across departments"
    )
    entropy.add_argument("files", nargs="+", metavar="FILE")
    entropy.add_argument(
        "--period",
        type=_any_period,
        help="YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY or YYYY-MM-YTD (default: latest month)",
    )
    entropy.add_argument(
        "--level",
        choices=("kpi", "perspective"),
        default="kpi",
        help="kpi: KPI actuals matched by name (default); perspective: perspective scores",
    )
    entropy.add_argument("--json", action="store_true", help="print the result as JSON")


def _ahp(args: argparse.Namespace) -> int:
    from kpi_engine.core.weights import CR_LIMIT, MatrixError, ahp
    from kpi_engine.ingest.matrix import read_matrix

    try:
        result = ahp(read_matrix(Path(args.matrix).read_bytes()))
    except OSError as exc:
        return _fail(f"cannot open {args.matrix}: {exc.strerror}")
    except MatrixError as exc:
        return _fail(f"{args.matrix}: {exc}")
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        width = max(len(n) for n in result.names)
        for name, weight in zip(result.names, result.weights, strict=True):
            print(f"{name:<{width}}  {weight:.4f}")
        print(f"lambda_max {result.lambda_max:.4f}  CI {result.ci:.4f}  CR {result.cr:.4f}")
    if not result.consistent:
        print(
            f"warning: consistency ratio {result.cr:.3f} >= {CR_LIMIT}: the judgements "
            "contradict each other; revise the comparisons",
            file=sys.stderr,
        )
    return 0


def _entropy(args: argparse.Namespace) -> int:
    from kpi_engine.core.weights import entropy_weights, kpi_matrix, perspective_matrix

    loaded = _load(args.files)
    if loaded.rows_accepted == 0:
        _print_issues(loaded, sys.stderr)
        return _fail("no KPI rows were accepted")
    period = args.period or periods.latest_month(loaded.kpis)
    card = build(loaded.kpis, period=period)
    if args.level == "perspective":
        table, directions = perspective_matrix(card.perspectives), {}
    else:
        table, directions = kpi_matrix(card.kpis)
    result = entropy_weights(table, directions=directions)
    valid = result[result["note"] != "too_few"]
    skipped = result[result["note"] == "too_few"]
    doc = {
        "period": period,
        "level": args.level,
        "departments": len(table),
        "names": [str(n) for n in valid.index],
        "weights": valid["weight"].tolist(),
        "entropy": valid["entropy"].tolist(),
        "counts": valid["count"].tolist(),
        "constant": [str(n) for n in valid.index[valid["note"] == "constant"]],
        "skipped": [str(n) for n in skipped.index],
    }
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"entropy weights, {period}, {len(table)} departments")
        width = max([len(str(n)) for n in valid.index] + [4])
        for name, row in valid.iterrows():
            note = f"  ({row['note']})" if row["note"] else ""
            print(f"{name!s:<{width}}  {row['weight']:.4f}  e={row['entropy']:.4f}{note}")
    if len(skipped):
        print(
            f"note: {len(skipped)} of {len(result)} criteria are reported by fewer than two "
            "departments and get no entropy weight",
            file=sys.stderr,
        )
    if not len(valid) and args.level == "kpi":
        print(
            "error: no KPI name is reported by two or more departments in this period; "
            "try --level perspective",
            file=sys.stderr,
        )
    return 0 if len(valid) else 1


def weights(args: argparse.Namespace) -> int:
    return _ahp(args) if args.method == "ahp" else _entropy(args)


# --- report: the leadership workbook or one-page PDF (python -m kpi_engine report) -------

REPORT_FORMATS = (".xlsx", ".pdf", ".pptx")


def _report_out(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in REPORT_FORMATS:
        raise argparse.ArgumentTypeError(f"{text!r}: the report is written as .xlsx, .pdf or .pptx")
    return path


def _report_parser(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="leadership report for a period: .xlsx workbook, one-page .pdf or .pptx deck",
    )
    report.add_argument("files", nargs="+", metavar="FILE")
    _period_options(report)
    report.add_argument(
        "--out",
        type=_report_out,
        required=True,
        metavar="report.xlsx|report.pdf|deck.pptx",
        help="where to write the report; the format follows the extension",
    )
    report.add_argument(
        "--department",
        help="one department only (its sheet, or its one-page report; not for the deck)",
    )
    report.add_argument("--lang", choices=tuple(LANGUAGES), default=DEFAULT_LANG)
    _settings_option(report)


def _match_department(name: str, known: Sequence[str]) -> str | None:
    """The data's spelling of `name` (`财务` finds `财务部`, `財務部` finds `财务部`)."""
    if name in known:
        return name
    wanted = department_key(name)
    return next((d for d in known if department_key(d) == wanted), None)


def report(args: argparse.Namespace) -> int:
    from kpi_engine.reports.deck import report_pptx
    from kpi_engine.reports.pdf import FontMissing, report_pdf
    from kpi_engine.reports.xlsx import report_xlsx

    suffix = args.out.suffix.lower()
    if suffix == ".pptx" and args.department is not None:  # bad usage, before any work
        print("error: the deck covers every department; leave out --department", file=sys.stderr)
        return 2

    loaded = _load(args.files)
    _print_issues(replace(loaded, issues=loaded.errors), sys.stderr)
    if len(loaded.warnings):
        print(f"{len(loaded.warnings)} warnings (`validate` lists them)", file=sys.stderr)
    if loaded.errors["row"].isna().any() or loaded.rows_accepted == 0:
        return _fail("no KPI rows to report on")
    kpis = loaded.kpis
    period = _period_label(args) or periods.latest_period(kpis)
    if period is None:
        return _fail("no period in the data to report on")
    grain = periods.grain_of(period)
    labels = insights.comparison_labels([*insights.period_labels(kpis, grain=grain), period])
    history = insights.history(kpis, labels, settings=args.settings, org=loaded.org)
    known = sorted(pd.unique(kpis["department"].astype(object)))
    department = None
    if args.department is not None:
        department = _match_department(args.department, known)
        if department is None:
            return _fail(
                f"no department {args.department!r} in the data (departments: {', '.join(known)})"
            )
    at = history.departments[history.departments["period"] == period]
    if department is not None:
        at = at[at["department"] == department]
    if at.empty:
        return _fail(f"no KPI rows for {department or 'any department'} in {period}")
    try:
        if suffix == ".pptx":
            data = report_pptx(
                history, period, lang=args.lang, settings=args.settings, expected_departments=known
            )
        elif suffix == ".pdf":
            data = report_pdf(
                history,
                period,
                department=department,
                lang=args.lang,
                expected_departments=known,
                settings=args.settings,
            )
        else:
            data = report_xlsx(
                history, period, department=department, lang=args.lang, settings=args.settings
            )
        args.out.write_bytes(data)
    except FontMissing as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror}")
    print(f"wrote {args.out} ({period}{', ' + department if department else ''})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    commands = {
        "validate": validate,
        "score": score,
        "weights": weights,
        "report": report,
        "users": admin.run_users,
        "upload": admin.run_upload,
        "explain": explain_command.run,
        "digest": digest.run,
    }
    try:
        return commands[args.command](args)
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
