"""`python -m kpi_engine users ...` and `python -m kpi_engine upload ...`: the store's
operators' commands. Uploads from a script go through the same checks as the Data page
(the store refuses what the signed-in user's role does not allow) and the same audit log.

    python -m kpi_engine users add 王磊 --role manager --department 市场部 --email wang@example.com
    python -m kpi_engine users update 王磊 --role approver --language en
    python -m kpi_engine users list
    KPI_PASSWORD=... python -m kpi_engine upload 市场部_2026-10.xlsx --user 王磊
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from kpi_engine import store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ROLES, Forbidden
from kpi_engine.i18n import t
from kpi_engine.ingest.load import load_files
from kpi_engine.store import failures

PASSWORD_ENV = "KPI_PASSWORD"


def add_parsers(commands: argparse._SubParsersAction) -> None:
    people = commands.add_parser("users", help="add, list or remove the app's users")
    what = people.add_subparsers(dest="users_command", required=True)
    add = what.add_parser("add", help="add a user, or set a user's password and role")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument(
        "--department",
        action="append",
        default=[],
        help="a manager's own department (repeat for several)",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    change = what.add_parser(
        "update", help="change a user's role, departments, e-mail, language or password"
    )
    change.add_argument("name")
    change.add_argument("--role", choices=ROLES)
    change.add_argument(
        "--department",
        action="append",
        default=None,
        help="the user's departments from now on (repeat for several)",
    )
    change.add_argument(
        "--password-stdin",
        action="store_true",
        help="a new password from standard input (signs the user's open sessions out)",
    )
    for command in (add, change):
        command.add_argument("--email", help='where the monthly digest goes ("" clears it)')
        command.add_argument(
            "--language",
            choices=(*users.USER_LANGUAGES, ""),
            help='the digest\'s language (default zh-Hans; "" clears it)',
        )
    what.add_parser("list", help="list users (never their passwords)")
    remove = what.add_parser("remove", help="remove a user (their open sessions are signed out)")
    remove.add_argument("name")
    remove.add_argument(
        "--force",
        action="store_true",
        help="remove the last user too, which turns sign-in off (open mode)",
    )
    for command in what.choices.values():
        command.add_argument("--users-file", type=Path, help="default: KPI_USERS_FILE")

    send = commands.add_parser("upload", help="store workbooks as a signed-in user")
    send.add_argument("files", nargs="+", metavar="FILE")
    send.add_argument("--user", required=True, help=f"password from {PASSWORD_ENV} or a prompt")
    send.add_argument("--users-file", type=Path, help="default: KPI_USERS_FILE")
    send.add_argument(
        "--accept-good-rows",
        action="store_true",
        help="store a file's good rows even when some rows have errors (as the Data page's button)",
    )


def _password(args: argparse.Namespace, *, twice: bool) -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    first = getpass.getpass("password: ")
    if twice and getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def run_users(args: argparse.Namespace) -> int:
    try:
        if args.users_command == "add":
            actor = users.add(
                args.name,
                _password(args, twice=True),
                args.role,
                args.department,
                email=args.email,
                language=args.language,
                path=args.users_file,
            )
            print(f"saved {actor.name} ({actor.role})", file=sys.stderr)
        elif args.users_command == "update":
            actor = users.update(
                args.name,
                role=args.role,
                departments=args.department,
                email=args.email,
                language=args.language,
                password=_password(args, twice=False) if args.password_stdin else None,
                path=args.users_file,
            )
            print(f"saved {actor.name} ({actor.role})", file=sys.stderr)
        elif args.users_command == "remove":
            users.remove(args.name, path=args.users_file, force=args.force)
            if not users.load(args.users_file):
                print(
                    "warning: no users left: the app runs in open mode, where anyone who can"
                    " reach it can change everything, until a user is added",
                    file=sys.stderr,
                )
        else:
            described = users.describe(args.users_file)
            print(json.dumps(described, ensure_ascii=False, indent=2))
            for person in described:
                if "problem" in person:
                    print(
                        f"warning: {person['name']!r} {person['problem']}: cannot sign in;"
                        f" set it again with `users add {person['name']} --role ROLE`",
                        file=sys.stderr,
                    )
    except (ValueError, KeyError) as exc:  # UsersFileError and LastUser are ValueErrors
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    return 0


def run_upload(args: argparse.Namespace) -> int:
    """Each file is one upload, checked against the stored definitions, as on the Data page.
    Prints one JSON record per file; exit 1 if any file was refused or unreadable."""
    try:
        actor = users.authenticate(args.user, _password(args, twice=False), path=args.users_file)
        engine = store.start() if actor is not None else None
    except users.UsersFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        code = failures.failure(exc)
        if code is None:
            raise
        print(f"error: {t(f'failure.{code}', 'en')}", file=sys.stderr)
        return 1
    if actor is None or engine is None:
        print("error: unknown user or wrong password", file=sys.stderr)
        return 1
    results, failed = [], False
    for path in args.files:
        record: dict[str, object] = {"file": path}
        try:
            data = Path(path).read_bytes()
            loaded = load_files(
                [(Path(path).name, data)],
                definitions=store.definitions(engine),
                known_departments=store.current_kpis(engine)["department"].dropna().unique(),
            )
            record["rows_accepted"], record["rows_rejected"] = (
                loaded.rows_accepted,
                loaded.rows_rejected,
            )
            if len(loaded.org):
                record["placed"] = len(loaded.org)  # departments and units given a parent
            nothing = not loaded.rows_accepted and loaded.org.empty  # a tree alone is stored
            if nothing or (loaded.rows_rejected and not args.accept_good_rows):
                record["status"], failed = "rejected", True
                record["errors"] = loaded.errors["message"].tolist()
            else:
                saved = store.save_upload(
                    engine, name=Path(path).name, data=data, loaded=loaded, uploader=actor
                )
                record["status"] = saved.status
                record["versions"] = [list(v) for v in saved.versions]
        except OSError as exc:
            record["status"], record["error"], failed = "unreadable", exc.strerror, True
        except Forbidden as exc:
            record["status"], record["error"], failed = "forbidden", str(exc), True
        results.append(record)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if failed else 0
