"""`python -m kpi_engine digest --period P [--out DIR] [--send]`: the monthly reminder.

Recipients come from the users file: each department head (manager or approver with an
e-mail) gets their departments' digest, leadership (viewer and admin with an e-mail) the
whole organisation's, each in the user's language. `--out DIR` writes `<user>.html` and
`<user>.txt`; `--send` mails them over `KPI_SMTP_URL` and posts the leadership digest to
`KPI_WEBHOOK_URL` when set. Without either, the plain-text digests are printed.

Exit codes: 0 done; 1 a failure (the store, the users file, the mail server, the robot),
said on stderr as `error: ...`; 2 bad usage.

    0 9 6 * * cd /srv/kpi && KPI_SMTP_URL=smtp://kpi%40example.com:PASS@mail.example.com:587?starttls=1 \
        python -m kpi_engine digest --period $(date -d 'last month' +\\%Y-\\%m) --send
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from kpi_engine import store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, DEPARTMENT_ROLES, VIEWER
from kpi_engine.core import actions as cycle_actions
from kpi_engine.core import adjust, calendar, insights, periods, submissions
from kpi_engine.core import notes as cycle_notes
from kpi_engine.core.settings import Settings, data_dir
from kpi_engine.i18n import DEFAULT_LANG, t
from kpi_engine.notify import SendError, smtp, webhook
from kpi_engine.reports.digest import Digest, DigestContent, Recipient, compose, file_stem
from kpi_engine.store import failures

LEADERSHIP_ROLES = (VIEWER, ADMIN)


def add_parser(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "digest", help="the monthly reminder per department head and for leadership"
    )
    command.add_argument("--period", required=True, type=_month, metavar="YYYY-MM")
    command.add_argument("--out", type=Path, metavar="DIR", help="write <user>.html and .txt")
    command.add_argument(
        "--send",
        action="store_true",
        help=f"mail them ({smtp.SMTP_URL_ENV}) and post leadership's to {webhook.WEBHOOK_URL_ENV}",
    )
    command.add_argument("--data-dir", type=Path, help="the store's directory (KPI_DATA_DIR)")
    command.add_argument("--users-file", type=Path, help="default: KPI_USERS_FILE")


def _month(text: str) -> str:
    if not periods.is_month(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month (YYYY-MM)")
    return text


def recipients(described: Sequence[dict[str, object]]) -> list[Recipient]:
    """Who gets a digest (`users.describe`'s entries): department heads for their
    departments, leadership for the organisation; only users with an e-mail who can sign
    in (an analyst gets none: the digest is about reporting, not scoring)."""
    found = []
    for person in described:
        email, role = person.get("email"), person.get("role")
        if "problem" in person or not email:
            continue
        language = str(person.get("language") or DEFAULT_LANG)
        if role in DEPARTMENT_ROLES:
            departments = tuple(str(d) for d in person["departments"])  # type: ignore[attr-defined]
            found.append(Recipient(str(person["name"]), str(email), language, departments))
        elif role in LEADERSHIP_ROLES:
            found.append(Recipient(str(person["name"]), str(email), language, None))
    return found


def gather(
    engine: Engine, period: str, settings: Settings, *, now: datetime | None = None
) -> DigestContent:
    """The digest's frames for `period` from the store: the submission board (deadline and
    statuses as of `now`, default the present), the red KPIs without a note, the open
    actions due by the period's deadline, and the KPIs' changes since the previous period."""
    kpis = store.current_kpis(engine)
    history = insights.history(kpis, insights.comparison_labels([period]), settings=settings)
    scored = history.kpis[(history.kpis["period"] == period).to_numpy(bool)]
    unexplained = cycle_notes.unexplained(scored, store.notes(engine, periods=[period]), settings)
    board = submissions.submission_board(
        store.submission_log(engine),
        sorted(kpis["department"].unique()),  # those with KPIs of their own report
        [period],
        settings,
        now or datetime.now(UTC),
        unexplained,
    )
    deadline = calendar.deadline(period, settings)
    changes = insights.kpi_changes(history, period, owners_only=True)
    return DigestContent(
        period=period,
        deadline=deadline,
        submissions=board[~board["status"].isin([submissions.ON_TIME, submissions.NOT_DUE])],
        unexplained=unexplained,
        actions=cycle_actions.due_actions(store.actions(engine, open_only=True), deadline.date()),
        changes=changes[~adjust.items(changes)],  # bonus / penalty points are no movers
        time_zone=settings.time_zone,
        script=settings.script,
    )


def _write(digests: Sequence[Digest], directory: Path) -> list[Path]:
    """Each digest as `<user>.html` and `<user>.txt` (a name made a safe file name; two
    names that make the same one are told apart by a number)."""
    directory.mkdir(parents=True, exist_ok=True)
    written, stems = [], set()
    for digest in digests:
        stem, n = file_stem(digest.recipient.name), 1
        while stem.casefold() in stems:
            n += 1
            stem = f"{file_stem(digest.recipient.name)}-{n}"
        stems.add(stem.casefold())
        for suffix, body in ((".html", digest.html), (".txt", digest.text)):
            path = directory / f"{stem}{suffix}"
            path.write_text(body, encoding="utf-8")
            written.append(path)
    return written


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    smtp_url = os.environ.get(smtp.SMTP_URL_ENV, "").strip()
    hook_url = os.environ.get(webhook.WEBHOOK_URL_ENV, "").strip()
    hook_kind = os.environ.get(webhook.WEBHOOK_KIND_ENV, "").strip() or None
    try:  # settings first: a typo in a URL is said before anything is read
        server = smtp.parse_url(smtp_url) if args.send and smtp_url else None
        kind = webhook.kind_of(hook_url, hook_kind) if args.send and hook_url else None
    except ValueError as error:
        return _fail(str(error))
    if args.send and server is None and kind is None:
        return _fail(f"--send needs {smtp.SMTP_URL_ENV} or {webhook.WEBHOOK_URL_ENV}")
    users_path = args.users_file or (
        None
        if os.environ.get(users.USERS_FILE_ENV) or args.data_dir is None
        else data_dir(args.data_dir) / users.USERS_FILE
    )
    try:
        people = recipients(users.describe(users_path))
        engine = store.connect(data_dir=args.data_dir)
        store.migrate(engine)
        content = gather(engine, args.period, store.load_settings(engine))
    except users.UsersFileError as error:
        return _fail(str(error))
    except Exception as error:
        code = failures.failure(error)
        if code is None:
            raise
        return _fail(t(f"failure.{code}", "en"))
    digests = [compose(content, person) for person in people]
    if args.out:
        try:
            for path in _write(digests, args.out):
                print(f"wrote {path}", file=sys.stderr)
        except OSError as error:
            return _fail(f"cannot write to {args.out}: {error.strerror}")
    if not args.send:
        if not args.out:
            for digest in digests:
                print(f"== {digest.recipient.name} <{digest.recipient.email}>: {digest.subject}")
                print(digest.text)
        if not digests:
            print("note: no user with an e-mail to send a digest to", file=sys.stderr)
        return 0
    try:
        if server is not None and digests:
            sent = smtp.send(digests, server)
            print(f"sent {sent} digest(s) through {server.host}:{server.port}", file=sys.stderr)
        elif server is not None:
            print("note: no user with an e-mail to send a digest to", file=sys.stderr)
        if kind is not None:
            leadership = Recipient(t("digest.whole_organisation", DEFAULT_LANG), None)
            posted = webhook.post(compose(content, leadership), hook_url, kind)
            print(f"posted the leadership digest to the {posted} robot", file=sys.stderr)
    except SendError as error:
        return _fail(str(error))
    return 0
