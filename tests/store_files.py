"""Workbooks for the store tests: a department's monthly form with `n` KPIs, loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from kpi_engine import Loaded, load_files, store
from kpi_engine.auth.roles import ADMIN, Actor
from tests.workbooks import form, xlsx

PERSPECTIVES = ("财务", "客户", "内部流程", "学习与成长")


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    loaded: Loaded

    def save(self, engine: Engine, uploader: Actor | str = "王磊") -> store.UploadResult:
        """Store it as `uploader` (a name means an admin of that name)."""
        actor = uploader if isinstance(uploader, Actor) else Actor(uploader, ADMIN)
        return store.save_upload(
            engine, name=self.name, data=self.data, loaded=self.loaded, uploader=actor
        )


def monthly(
    department: str = "市场部", month: int = 10, n: int = 3, actual: float = 90.0
) -> Upload:
    """`department`'s form for 2026-`month` with `n` KPIs, each actual `actual` + i."""
    rows = [
        [
            department,
            PERSPECTIVES[i % 4],
            f"K-{i + 1}",
            f"指标{i + 1}",
            "越高越好",
            1,
            100,
            actual + i,
        ]
        for i in range(n)
    ]
    title = f"2026年{month}月 {department} KPI 考核表"
    name = f"{department}_2026-{month:02d}_{actual:g}.xlsx"
    data = xlsx(form(*rows, title=title))
    loaded = load_files([(name, data)])
    assert loaded.rows_accepted == n and loaded.errors.empty
    return Upload(name, data, loaded)


def fresh_store(directory: Path) -> Engine:
    """An empty, migrated SQLite store in `directory` (a test's tmp_path)."""
    engine = store.connect(data_dir=directory)
    store.migrate(engine)
    return engine
