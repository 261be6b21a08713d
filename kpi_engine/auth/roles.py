"""Who may change what: roles, the acting user, and the checks the store makes before any
write. Pages hide what a role cannot do, but the store refuses it whatever the path (page,
CLI, a direct call), so a hidden button is never the only guard.

Roles (SPEC is silent; these follow how a scorecard team works):
- viewer: leadership; reads every page and records the actions agreed in the meeting;
- manager: uploads the monthly sheets of their own departments, and only those, and writes
  the notes (原因分析 / 改进措施) on their KPIs;
- approver: a department head (审核人): what a manager does for their departments, and
  approves or sends back their uploads when approval is on;
- analyst: what-if scenarios and the organisation's scoring settings;
- admin: everything, including deletes, restores, closing a month and users.
A manager's and an approver's departments bound what they may change (`Actor.owns`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kpi_engine.core import names

VIEWER, MANAGER, APPROVER, ANALYST, ADMIN = "viewer", "manager", "approver", "analyst", "admin"
ROLES: tuple[str, ...] = (VIEWER, MANAGER, APPROVER, ANALYST, ADMIN)
# Roles that report for named departments: they need at least one, and act only on those.
DEPARTMENT_ROLES: frozenset[str] = frozenset({MANAGER, APPROVER})

UPLOAD, DELETE, RESTORE, SETTINGS, SCENARIO, USERS = (
    "upload",
    "delete",
    "restore",
    "settings",
    "scenario",
    "users",
)
# The monthly cycle (issue 17): notes on KPIs, approving uploads, closing a period, and
# the actions agreed in the meeting.
NOTE, APPROVE, CLOSE, ACTION = "note", "approve", "close", "action"
ALLOWED: dict[str, frozenset[str]] = {
    VIEWER: frozenset({ACTION}),
    MANAGER: frozenset({UPLOAD, NOTE, ACTION}),
    APPROVER: frozenset({UPLOAD, NOTE, ACTION, APPROVE}),
    ANALYST: frozenset({SETTINGS, SCENARIO, ACTION}),
    ADMIN: frozenset(
        {UPLOAD, DELETE, RESTORE, SETTINGS, SCENARIO, USERS, NOTE, APPROVE, CLOSE, ACTION}
    ),
}


# How a session's actor got their role (`SignIn.method`).
PASSWORD, OIDC, OPEN_MODE = "password", "oidc", "open"


@dataclass(frozen=True)
class SignIn:
    """Where a signed-in actor's role came from, so that it is looked up again before each
    write (`users.current_actor`): the users file, the way in, and for a password sign-in
    a fingerprint of the hash it was checked against."""

    users_file: str
    method: str
    stamp: str = ""


@dataclass(frozen=True)
class Actor:
    """The person behind a change: a name for the history, a role, and for a manager the
    departments they report for. `signed_in` is None for an actor made by code (a script,
    a benchmark, a test), which is taken as it is."""

    name: str
    role: str
    departments: tuple[str, ...] = ()
    signed_in: SignIn | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}: one of {', '.join(ROLES)}")

    def may(self, action: str) -> bool:
        return action in ALLOWED[self.role]

    def owns(self, department: str) -> bool:
        """A manager's or approver's own department, matched as departments are everywhere
        (script, case and the `部` suffix ignored); every other role acts for the whole
        organisation (what it may do at all is `may`)."""
        if self.role not in DEPARTMENT_ROLES:
            return True
        key = names.department_key(department)
        return any(names.department_key(d) == key for d in self.departments)


class Forbidden(Exception):
    """A change the actor's role does not allow. `code` and `params` name it for the
    message catalogs (`access.<code>`); str() is the English message."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def require(actor: Actor, action: str) -> None:
    if not actor.may(action):
        raise Forbidden(
            "forbidden",
            f"{actor.name} ({actor.role}) may not {action}",
            user=actor.name,
            role=actor.role,
            action=action,
        )


def require_departments(actor: Actor, departments: Iterable[str]) -> None:
    """An upload may only hold rows of the uploader's own departments: naming the others
    tells a manager exactly what to take out of the file."""
    require(actor, UPLOAD)
    others = sorted({d for d in departments if not actor.owns(d)})
    if others:
        raise Forbidden(
            "other_departments",
            f"{actor.name} may only upload {', '.join(actor.departments) or 'no departments'};"
            f" the file has rows of {', '.join(others)}",
            user=actor.name,
            own=", ".join(actor.departments),
            departments=", ".join(others),
        )


def require_known_partners(actor: Actor, partners: Iterable[str], known: set[str]) -> None:
    """A manager may share a KPI only with departments that already exist: a made-up
    partner would add a department (and lower its score) that nobody reports for."""
    strangers = sorted({p for p in partners if names.department_key(p) not in known})
    if strangers:
        raise Forbidden(
            "unknown_partners",
            f"{actor.name} may only name existing departments as partners; the file names "
            f"{', '.join(strangers)}",
            user=actor.name,
            departments=", ".join(strangers),
        )
