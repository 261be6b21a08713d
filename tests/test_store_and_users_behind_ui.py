"""Pages compose, the engine computes: the app reaches the store and the users file only
through `ui/data.py` and `ui/auth.py`, so there is one place that opens, refuses and says
what failed."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GATES = {"ui/data.py", "ui/auth.py"}
BEHIND_GATES = ("kpi_engine.store", "kpi_engine.auth")


def imported(path: Path) -> set[str]:
    """Every module a file imports (`from a import b` counts as `a` and `a.b`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_only_ui_data_and_ui_auth_reach_the_store_and_the_users_file():
    files = [ROOT / "app.py", *sorted(ROOT.glob("pages/*.py")), *sorted(ROOT.glob("ui/*.py"))]
    assert len(files) > 10
    reaching = {
        str(path.relative_to(ROOT)): sorted(m for m in imported(path) if m.startswith(BEHIND_GATES))
        for path in files
    }
    assert {f for f, modules in reaching.items() if modules} == GATES
