"""`python -m kpi_engine explain FILE... --period P`: why the score moved (issue 17,
Deliver 6), the parts of `core.explain.explain` as a text table or JSON.

The JSON's `points` are unrounded and `change` is their sum, so a script can check that
the parts add up; `score` and `previous_score` are the two scores compared (the previous
one under `--previous-settings` when given). Exit 1 when a file cannot be read, nothing
was accepted, the department is unknown, or either period has no score to compare.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace

import numpy as np
import pandas as pd

from kpi_engine.core import insights, periods
from kpi_engine.core.explain import COLUMNS, change, explain, score_of
from kpi_engine.i18n import DEFAULT_LANG, LANGUAGES, period_label, points_change_text, t


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The `explain` command's options (the period and settings as `score` reads them)."""
    from kpi_engine.cli import main

    command = commands.add_parser(
        "explain", help="why the score moved: the change since the previous period, in parts"
    )
    command.add_argument("files", nargs="+", metavar="FILE")
    command.add_argument("--period", type=main._any_period, required=True, metavar="PERIOD")
    command.add_argument(
        "--previous",
        type=main._any_period,
        metavar="PERIOD",
        help="the period to compare with (default: the one before, in the same grain)",
    )
    command.add_argument("--department", help="one department (default: the organisation)")
    command.add_argument("--json", action="store_true", help="print the parts as JSON")
    command.add_argument("--lang", choices=tuple(LANGUAGES), default=DEFAULT_LANG)
    main._settings_option(command)
    command.add_argument(
        "--previous-settings",
        type=main._settings_file,
        metavar="SETTINGS.json",
        help="the settings the previous period was scored with (adds a settings part)",
    )


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def run(args: argparse.Namespace) -> int:
    from kpi_engine.charts.waterfall import part_label  # Altair: only when needed
    from kpi_engine.cli import main

    loaded = main._load(args.files)
    main._print_issues(replace(loaded, issues=loaded.errors), sys.stderr)
    if loaded.errors["row"].isna().any() or loaded.rows_accepted == 0:
        return main._fail("no KPI rows to explain")
    kpis = loaded.kpis
    previous = args.previous or periods.previous_period(args.period)
    labels = insights.comparison_labels([args.period, previous])
    history = insights.history(kpis, labels, settings=args.settings, org=loaded.org)
    department = None
    if args.department is not None:
        known = sorted(pd.unique(kpis["department"].astype(object)))
        department = main._match_department(args.department, known)
        if department is None:
            return main._fail(
                f"no department {args.department!r} in the data (departments: {', '.join(known)})"
            )
    now = score_of(history, args.period, department)
    if math.isnan(now) or math.isnan(score_of(history, previous, department)):
        return main._fail(
            f"no score for {department or 'the organisation'} in both {previous} and {args.period}"
        )
    parts = explain(
        history,
        args.period,
        previous,
        department,
        settings=args.settings,
        previous_settings=args.previous_settings,
    )
    total = change(parts)
    if args.json:
        doc = {
            "period": args.period,
            "previous": previous,
            "department": department,
            "score": now,
            "previous_score": now - total,
            "change": total,
            "parts": [
                {c: (_number(v) if c == "points" else v) for c, v in zip(COLUMNS, row, strict=True)}
                for row in parts.loc[:, list(COLUMNS)].itertuples(index=False)
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    lang = args.lang
    words = {"previous": period_label(previous, lang), "period": period_label(args.period, lang)}
    print(t("explain.cli_change", lang, change=points_change_text(total, lang), **words))
    table = pd.DataFrame(
        {
            t("explain.part", lang): [
                part_label(row, lang, with_department=department is None)
                for _, row in parts.iterrows()
            ],
            t("explain.kind", lang): [t(f"explain.kind_{k}", lang) for k in parts["kind"]],
            t("explain.points", lang): [f"{p:+.2f}" for p in parts["points"]],
        }
    )
    order = np.argsort(-parts["points"].abs().to_numpy(float), kind="stable")
    print(table.iloc[order].to_string(index=False))
    return 0
