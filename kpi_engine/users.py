"""The embedded sign-in: a users file of names, roles, departments and argon2 password
hashes, written by `python -m kpi_engine users add`. Used when no OIDC provider
(`st.login`) is configured.

The file is JSON, replaced atomically (write a temporary file, then rename), so a crash
never leaves half a users file. Passwords are never stored, only argon2id hashes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .access import MANAGER, ROLES, Actor

USERS_FILE_ENV = "KPI_USERS_FILE"
USERS_FILE = "users.json"
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY = _HASHER.hash("not a password")


def users_file(path: str | os.PathLike | None = None) -> Path:
    """`path`, else `KPI_USERS_FILE`, else `users.json` in the data directory."""
    from .store import DATA_DIR_ENV, DEFAULT_DATA_DIR

    if path:
        return Path(path)
    if os.environ.get(USERS_FILE_ENV):
        return Path(os.environ[USERS_FILE_ENV])
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR) / USERS_FILE


def load(path: str | os.PathLike | None = None) -> dict[str, dict]:
    """Every user by name: role, departments, hash. No file: no users (open mode)."""
    file = users_file(path)
    if not file.exists():
        return {}
    return json.loads(file.read_text(encoding="utf-8"))


def _write(file: Path, users: Mapping[str, dict]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=".users-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(users, out, ensure_ascii=False, indent=2)
    os.replace(temporary, file)


def add(
    name: str,
    password: str,
    role: str,
    departments: Iterable[str] = (),
    *,
    path: str | os.PathLike | None = None,
) -> Actor:
    """Add a user, or replace one of the same name (a new password or role)."""
    departments = tuple(departments)
    if not name.strip():
        raise ValueError("a user needs a name")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    if role == MANAGER and not departments:
        raise ValueError("a manager needs at least one department (--department)")
    actor = Actor(name.strip(), role, departments)  # checks the role
    file = users_file(path)
    users = load(file)
    users[actor.name] = {
        "role": role,
        "departments": list(departments),
        "hash": _HASHER.hash(password),
    }
    _write(file, users)
    return actor


def remove(name: str, *, path: str | os.PathLike | None = None) -> None:
    file = users_file(path)
    users = load(file)
    if name not in users:
        raise KeyError(f"no user {name!r}")
    del users[name]
    _write(file, users)


def actor(name: str, entry: Mapping) -> Actor:
    return Actor(name, entry["role"], tuple(entry.get("departments", ())))


def authenticate(
    name: str, password: str, *, path: str | os.PathLike | None = None
) -> Actor | None:
    """The user if the password matches, else None (the same answer for an unknown name)."""
    entry = load(path).get(name)
    try:
        _HASHER.verify(entry["hash"] if entry else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return actor(name, entry) if entry else None


def describe(path: str | os.PathLike | None = None) -> list[dict[str, object]]:
    """Users without their hashes: what `users list` prints and the admin sees."""
    return [
        {"name": n, "role": e["role"], "departments": e.get("departments", [])}
        for n, e in sorted(load(path).items())
    ]


__all__ = ["ROLES", "add", "authenticate", "describe", "load", "remove", "users_file"]
