"""mypy over the engine and the app helpers, against a baseline that only shrinks.

    python scripts/typecheck.py            # fails on an error the baseline does not hold
    python scripts/typecheck.py --update   # writes the baseline anew, refused if it would grow

The errors known today are in scripts/typecheck-baseline.txt, one a line as
`path: message  [code]`. They are compared without their place (file and line): moving
code within a file or to another one changes nothing, and the same error written twice
counts twice. A new error fails the check with where it is; an error fixed is said, so that
`--update` can take it out of the baseline. Settings of mypy are in pyproject.toml.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scripts" / "typecheck-baseline.txt"
CHECKED = ("kpi_engine", "ui")
HEADER = (
    "# mypy errors known when the check came in (scripts/typecheck.py): fix one, then run\n"
    "# `python scripts/typecheck.py --update` to take it out. The list never grows.\n"
)
_ERROR = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+)(?::\d+)?: error: (?P<message>.*)$")
_LINE_NUMBER = re.compile(r"\bon line \d+")  # "already defined on line 42"


def _message(text: str) -> str:
    return _LINE_NUMBER.sub("on line N", text.strip())


def run_mypy() -> list[tuple[str, str, str]]:
    """(path, line, message) of every error mypy reports on `CHECKED`, in its order."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", *CHECKED, "--no-error-summary", "--no-pretty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad config, a crash)
        sys.exit(f"mypy could not run (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    found = []
    for line in done.stdout.splitlines():
        if match := _ERROR.match(line):
            found.append((match["path"], match["line"], _message(match["message"])))
    return found


def read_baseline() -> list[tuple[str, str]]:
    if not BASELINE.exists():
        return []
    entries = []
    for line in BASELINE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            path, _, message = line.partition(": ")
            entries.append((path, message))
    return entries


def write_baseline(errors: list[tuple[str, str, str]]) -> None:
    lines = sorted(f"{path}: {message}" for path, _, message in errors)
    BASELINE.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the baseline anew")
    args = parser.parse_args(argv)
    errors = run_mypy()
    now = Counter(message for _, _, message in errors)
    known = Counter(message for _, message in read_baseline())
    new, fixed = now - known, known - now
    baseline = BASELINE.relative_to(ROOT)
    if new and not (args.update and not BASELINE.exists()):  # the first baseline takes all
        print(f"mypy: {sum(new.values())} error(s) more than {baseline} holds:")
        for path, line, message in errors:
            if message in new:
                more = f" ({new[message]} more than known)" if known[message] else ""
                print(f"  {path}:{line}: {message}{more}")
        print("Fix them, or where mypy is wrong say so: `# type: ignore[code]  # why`.")
        return 1
    if args.update:
        write_baseline(errors)
        print(f"mypy: {baseline} written, {len(errors)} known error(s)")
        return 0
    if fixed:
        print(f"mypy: {sum(fixed.values())} known error(s) fixed; take them out of {baseline}")
        print("with `python scripts/typecheck.py --update`:")
        for message, count in sorted(fixed.items()):
            print(f"  {message}" + (f" (x{count})" if count > 1 else ""))
    print(f"mypy: no new errors ({len(errors)} known, listed in {baseline})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
