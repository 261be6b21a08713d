"""Scoring settings and upload limits: one frozen object each, with SPEC's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

DEFAULT_PERSPECTIVE_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"financial": 30.0, "customer": 30.0, "internal_process": 25.0, "learning_growth": 15.0}
)


@dataclass(frozen=True)
class Settings:
    """Everything a score depends on besides the data. Weights are relative."""

    cap: float = 120.0
    base_score: float = 60.0  # three-value method: score at the threshold
    green_at: float = 100.0  # status green when score >= green_at
    amber_at: float = 80.0  # amber when amber_at <= score < green_at, else red
    # Plain dicts (copied per instance) so settings pickle into caches and stores.
    perspective_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_PERSPECTIVE_WEIGHTS)
    )
    # Missing departments weigh 1 (equal weights by default).
    department_weights: Mapping[str, float] = field(default_factory=dict)

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (what-if scenarios start here)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Limits:
    """Upload limits: a file past any of them is refused before it is parsed."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_sheets: int = 100
    max_rows: int = 100_000  # per sheet
    max_columns: int = 500


DEFAULTS = Settings()
DEFAULT_LIMITS = Limits()
