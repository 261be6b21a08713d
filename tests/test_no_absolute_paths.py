"""The README's test command passes on a fresh machine: no test or benchmark names an
absolute path of the machine it was written on. Tests write under pytest's `tmp_path`
(or a directory they create with `tempfile`), and find the repository from `__file__`.

String literals are read with `ast` (f-string parts included), so a path in a comment
or a docstring is not a finding, and a path split over an f-string still is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "benchmarks")

# First path components that make a string an absolute file path (not a URL path such as
# "/scorecard"): the top-level directories of Linux and macOS machines.
ROOTS = frozenset(
    [
        "tmp",
        "root",
        "home",
        "work",
        "var",
        "opt",
        "usr",
        "etc",
        "srv",
        "mnt",
        "media",
        "run",
        "bin",
        "sbin",
        "lib",
        "lib64",
        "boot",
        "sys",
        "proc",
        "dev",
        "snap",
        "Users",
        "Volumes",
        "private",
    ]
)
# What the project legitimately reads outside the repository: the system's Chromium
# (tests/e2e/conftest.py) and nginx (benchmarks/instances.py: Debian keeps it in /usr/sbin,
# out of a user's PATH), the CJK fonts, and the kernel's views of processes and devices.
ALLOWED = ("/usr/bin/chromium", "/usr/sbin/nginx", "/usr/share/fonts/", "/proc", "/dev/null")


def _is_absolute_path(text: str) -> bool:
    """A Unix path under a machine root (`/tmp/w`, `/home/me`), a home-relative path
    (`~/x`) or a Windows drive path (`C:\\x`)."""
    if text[:2] == "~/" and len(text) > 2:
        return True
    if len(text) > 2 and text[0].isalpha() and text[1] == ":" and text[2] in "\\/":
        return True
    if not text.startswith("/"):
        return False
    first = text[1:].split("/", 1)[0]
    return first in ROOTS


def _allowed(text: str) -> bool:
    return any(text == a or text.startswith(a.rstrip("/") + "/") for a in ALLOWED)


def absolute_paths(source: str) -> list[tuple[int, str]]:
    """(line, literal) for every string literal in `source` naming a forbidden path."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if _is_absolute_path(text) and not _allowed(text):
                found.append((node.lineno, text))
    return sorted(found)


@pytest.mark.slow
def test_no_test_or_benchmark_names_a_machine_path():
    files = sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))
    assert len(files) > 10  # the scan sees the suite
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in files
        for line, text in absolute_paths(path.read_text(encoding="utf-8"))
    ]
    assert not found, "absolute paths outside the repository and tmp_path:\n" + "\n".join(found)


def test_the_check_finds_paths_in_every_kind_of_literal():
    source = (
        'Path("/tmp/w/last.svg").write_text(svg)\n'
        'out = f"/home/{user}/report.pdf"\n'
        "x = '~/Downloads/a.xlsx'\n"
        "y = r'C:\\\\Users\\\\me'\n"
        "# '/work/main/data' in a comment is not code\n"
    )
    assert [line for line, _ in absolute_paths(source)] == [1, 2, 3, 4]


def test_urls_and_the_allowed_system_files_are_not_findings():
    source = (
        'page.goto(f"{url}/scorecard")\n'
        'CHROMIUM = "/usr/bin/chromium"\n'
        'open("/proc/self/statm")\n'
        'f"/proc/{pid}/status"\n'
        'FONTS = "/usr/share/fonts/opentype/noto"\n'
        'health = "/_stcore/health"\n'
    )
    assert absolute_paths(source) == []
