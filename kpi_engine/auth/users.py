"""The embedded sign-in: a users file of names, roles, departments and argon2 password
hashes, written by `python -m kpi_engine users add` / `users update` or the Settings page.
Used when no OIDC provider (`st.login`) is configured. An entry may also carry an
`email` and a `language` (where and in which language the monthly digest reaches them).

The file is JSON, replaced atomically (write a temporary file, then rename), so a crash
never leaves half a users file; it is created 0600. Passwords are never stored, only
argon2id hashes.

Sessions follow the file: an actor signed in from it carries a `SignIn` (which file, how,
a fingerprint of the hash checked), and `current_actor` looks them up again, so a removed
user, a new password or a lower role takes effect at the next click, and the store asks
before every write. A damaged file fails closed: `UsersFileError`, never open mode.

Sign-in cannot be guessed at speed nor used to tie the server up: failures are counted per
name and per client, and past a few the next try is refused (with when to try again)
before any password is checked; passwords longer than `MAX_PASSWORD_CHARS` are never
hashed, and at most `VERIFYING_AT_ONCE` argon2 checks run at once (each takes 64 MiB).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kpi_engine.auth.roles import (
    ADMIN,
    DEPARTMENT_ROLES,
    OIDC,
    OPEN_MODE,
    PASSWORD,
    ROLES,
    VIEWER,
    Actor,
    Forbidden,
    SignIn,
)
from kpi_engine.core.settings import data_dir

USERS_FILE_ENV = "KPI_USERS_FILE"
USERS_FILE = "users.json"
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256  # longer is refused before hashing
MAX_NAME_CHARS = 256
VERIFYING_AT_ONCE = 2  # argon2 checks at a time (64 MiB each); more wait a moment, then retry
NAME_FAILURES = 5  # failed sign-ins for one name before each try has to wait
CLIENT_FAILURES = 20  # ... and from one client (an office behind one address shares it)
FIRST_DELAY_S = 30.0  # the wait after those failures, doubled with each further failure
LONGEST_DELAY_S = 900.0
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
# The languages a user may ask the digest in (the catalogs' languages; auth cannot import
# i18n, tests/test_users_in_app.py checks they agree).
USER_LANGUAGES: tuple[str, ...] = ("zh-Hans", "zh-Hant", "en")
MAX_EMAIL_CHARS = 254

_HASHER = PasswordHasher()
_VERIFYING = threading.BoundedSemaphore(VERIFYING_AT_ONCE)


class UsersFileError(ValueError):
    """The users file cannot be used (unreadable, not JSON, truncated), or `name`'s entry
    in it cannot (no hash, no valid role). str(): English, ending with what to do."""

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class UserRefused(ValueError):
    """A change of the users file refused for what was asked (not for a damaged file):
    `code` and `params` name it for the catalogs (`users.<code>`); str() is English."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class LastAdmin(UserRefused):
    """Removing or demoting this user would leave the users without an admin: nobody could
    manage users, settings or closed months any more."""

    def __init__(self, name: str) -> None:
        super().__init__(
            "last_admin",
            f"{name} is the last admin: add another admin (or give another user the admin"
            " role) first",
            name=name,
        )


class Throttled(Exception):
    """A sign-in refused before any password was checked: too many failures for the name
    or the client (`busy` False), or too many checks running (`busy` True)."""

    def __init__(self, seconds: int, *, busy: bool = False) -> None:
        super().__init__(f"too many sign-in attempts: try again in {seconds} s")
        self.seconds = seconds
        self.busy = busy


def users_file(path: str | os.PathLike | None = None) -> Path:
    """`path`, else `KPI_USERS_FILE`, else `users.json` in the data directory."""
    if path:
        return Path(path)
    if os.environ.get(USERS_FILE_ENV):
        return Path(os.environ[USERS_FILE_ENV])
    return data_dir() / USERS_FILE


def load(path: str | os.PathLike | None = None) -> dict[str, dict]:
    """Every user by name, as written (an entry may be unusable: `entry_problem`). No file:
    no users (open mode). A file that cannot be read as a JSON object raises
    UsersFileError: a damaged file must never read as "no users", which is open mode."""
    file = users_file(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UsersFileError(
            f"the users file {file} cannot be read ({error.__class__.__name__}):"
            " give the app's user read access to it, or restore it from a backup"
        ) from error
    try:
        found = json.loads(text)
    except ValueError as error:
        raise UsersFileError(
            f"the users file {file} is damaged (not complete JSON): restore it from a backup,"
            " or move it away and add the users again with `users add`"
        ) from error
    if not isinstance(found, dict):
        raise UsersFileError(
            f"the users file {file} is not a JSON object of users: restore it from a backup"
        )
    return found


def entry_problem(entry: object) -> str | None:
    """Why an entry cannot sign anyone in, or None when it can."""
    if not isinstance(entry, Mapping):
        return "is not a JSON object"
    if entry.get("role") not in ROLES:
        return f"has no valid role (one of {', '.join(ROLES)})"
    departments = entry.get("departments", [])
    if not isinstance(departments, list) or not all(isinstance(d, str) for d in departments):
        return "has departments that are not a list of names"
    hashed = entry.get("hash")
    if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
        return "has no password hash"
    return None


def _actor(name: str, entry: Mapping, signed_in: SignIn | None = None) -> Actor:
    """The actor an entry describes; UsersFileError when it cannot sign in."""
    problem = entry_problem(entry)
    if problem:
        raise UsersFileError(
            f"the users file's entry for {name!r} {problem}: set it again with"
            f" `python -m kpi_engine users add {name} --role ROLE`",
            name=name,
        )
    return Actor(name, entry["role"], tuple(entry.get("departments", ())), signed_in)


def _stamp(entry: Mapping) -> str:
    """A fingerprint of an entry's hash: a new password signs the old sessions out."""
    return hashlib.sha256(str(entry.get("hash")).encode()).hexdigest()[:16]


def _write(file: Path, users: Mapping[str, dict]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=".users-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp: 0600
        json.dump(users, out, ensure_ascii=False, indent=2)
    os.replace(temporary, file)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercased), read once."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _password_refusal(password: str, name: str = "") -> UserRefused | None:
    """Why a new password is refused (too short, too long, common, or the name), or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return UserRefused(
            "password_short",
            f"a password needs at least {MIN_PASSWORD_CHARS} characters",
            count=MIN_PASSWORD_CHARS,
        )
    if len(password) > MAX_PASSWORD_CHARS:
        return UserRefused(
            "password_long",
            f"a password may have at most {MAX_PASSWORD_CHARS} characters",
            count=MAX_PASSWORD_CHARS,
        )
    folded = password.strip().casefold()
    if folded in common_passwords() or folded == name.strip().casefold():
        return UserRefused(
            "password_common",
            "this password is on a list of common passwords (or is the user's name): choose another",
        )
    return None


def password_problem(password: str, name: str = "") -> str | None:
    """Why a new password is refused, or None: too short, too long, common, or the name."""
    refusal = _password_refusal(password, name)
    return None if refusal is None else str(refusal)


def _email(email: str | None) -> str | None:
    """An e-mail address checked loosely (one @ with text on both sides, no spaces or
    control characters): the mail server is the judge of the rest. "" or None: none."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    local, at, domain = email.partition("@")
    if (
        not at
        or not local
        or not domain
        or "@" in domain
        or len(email) > MAX_EMAIL_CHARS
        or any(c.isspace() or not c.isprintable() for c in email)
    ):
        raise UserRefused(
            "bad_email", f"{email!r} is not an e-mail address (name@example.com)", email=email
        )
    return email


def _language(language: str | None) -> str | None:
    if language is None or not language.strip():
        return None
    if language not in USER_LANGUAGES:
        raise UserRefused(
            "bad_language",
            f"unknown language {language!r}: one of {', '.join(USER_LANGUAGES)}",
            language=language,
        )
    return language


def _admins(people: Mapping[str, dict]) -> set[str]:
    """The users who can sign in as admins."""
    return {
        name
        for name, entry in people.items()
        if entry_problem(entry) is None and entry.get("role") == ADMIN
    }


def _keeps_an_admin(people: Mapping[str, dict], changed: Mapping[str, dict]) -> None:
    """Refuse a change (`changed`: the file after it) that leaves users but no admin where
    there was one: `LastAdmin`, naming the admin it would take."""
    before, after = _admins(people), _admins(changed)
    if before and not after and changed:
        raise LastAdmin(sorted(before)[0])


def add(
    name: str,
    password: str,
    role: str,
    departments: Iterable[str] = (),
    *,
    email: str | None = None,
    language: str | None = None,
    path: str | os.PathLike | None = None,
) -> Actor:
    """Add a user, or replace one of the same name (a new password or role; their e-mail
    and language are kept unless given); the user's open sessions are signed out by the
    new password. UserRefused says what is wrong with what was asked."""
    departments = tuple(departments)
    if not name.strip():
        raise UserRefused("no_name", "a user needs a name")
    if len(name.strip()) > MAX_NAME_CHARS:
        raise UserRefused(
            "long_name",
            f"a user name may have at most {MAX_NAME_CHARS} characters",
            count=MAX_NAME_CHARS,
        )
    refusal = _password_refusal(password, name)
    if refusal is not None:
        raise refusal
    actor = Actor(name.strip(), role, departments)  # checks the role
    file = users_file(path)
    people = load(file)
    old = people.get(actor.name)
    kept = old if isinstance(old, Mapping) else {}
    entry = _entry(
        actor.name,
        role,
        departments,
        email=_email(email) if email is not None else kept.get("email"),
        language=_language(language) if language is not None else kept.get("language"),
    )
    entry["hash"] = _HASHER.hash(password)
    changed = {**people, actor.name: entry}
    _keeps_an_admin(people, changed)
    _write(file, changed)
    return actor


def _entry(
    name: str, role: str, departments: Iterable[str], *, email: object, language: object
) -> dict:
    """A users-file entry without its hash: role, departments, and e-mail and language
    when there are any. A department role needs a department (`Actor.owns` would match none)."""
    departments = [d.strip() for d in departments if d.strip()]
    if role in DEPARTMENT_ROLES and not departments:
        raise UserRefused(
            "needs_department",
            f"a {role} needs at least one department (--department)",
            name=name,
            role=role,
        )
    entry: dict[str, object] = {"role": role, "departments": departments}
    if email:
        entry["email"] = email
    if language:
        entry["language"] = language
    return entry


def update(
    name: str,
    *,
    role: str | None = None,
    departments: Iterable[str] | None = None,
    email: str | None = None,
    language: str | None = None,
    password: str | None = None,
    path: str | os.PathLike | None = None,
) -> Actor:
    """Change what is given of an existing user (None: unchanged; "" clears an e-mail or a
    language). A new password is hashed as `add` hashes it and signs the user's open
    sessions out; a lower role takes effect at their next click. Refused with KeyError
    for an unknown name, `LastAdmin` when it would demote the last admin, UserRefused
    for anything else wrong with what was asked."""
    file = users_file(path)
    people = load(file)
    old = people.get(name)
    if old is None:
        raise KeyError(f"no user {name!r}")
    kept = old if isinstance(old, Mapping) else {}
    role = role if role is not None else kept.get("role")
    if role not in ROLES:
        raise UserRefused(
            "bad_role", f"unknown role {role!r}: one of {', '.join(ROLES)}", role=str(role)
        )
    entry = _entry(
        name,
        role,
        kept.get("departments", []) if departments is None else departments,
        email=_email(email) if email is not None else kept.get("email"),
        language=_language(language) if language is not None else kept.get("language"),
    )
    if password is not None:
        refusal = _password_refusal(password, name)
        if refusal is not None:
            raise refusal
        entry["hash"] = _HASHER.hash(password)
    elif "hash" in kept:
        entry["hash"] = kept["hash"]
    changed = {**people, name: entry}
    _keeps_an_admin(people, changed)
    _write(file, changed)
    return Actor(name, role, tuple(entry["departments"]))


class LastUser(UserRefused):
    """Removing this user would leave no users, which is open mode."""


def remove(name: str, *, path: str | os.PathLike | None = None, force: bool = False) -> None:
    """Remove a user: their open sessions are signed out at their next click. Removing the
    last one turns sign-in off (open mode), so that needs `force`; removing the last admin
    while other users remain is refused (`LastAdmin`)."""
    file = users_file(path)
    users = load(file)
    if name not in users:
        raise KeyError(f"no user {name!r}")
    if len(users) == 1 and not force:
        raise LastUser(
            "last_user",
            f"{name} is the last user: without users the app runs in open mode, where anyone"
            " who can reach it can change everything. Add another user first, or pass --force",
            name=name,
        )
    left = {other: entry for other, entry in users.items() if other != name}
    _keeps_an_admin(users, left)
    _write(file, left)


def open_actor(name: str, role: str, path: str | os.PathLike | None = None) -> Actor:
    """The actor of open mode, valid while the users file has no users."""
    return Actor(name, role, (), SignIn(str(users_file(path)), OPEN_MODE))


def oidc_actor(email: str, path: str | os.PathLike | None = None) -> Actor:
    """A person signed in by the OIDC provider: the role of the users-file entry named by
    their e-mail, else viewer."""
    return current_actor(Actor(email, VIEWER, (), SignIn(str(users_file(path)), OIDC)))


def current_actor(actor: Actor) -> Actor:
    """`actor` as the users file says now: what the app asks on every run and the store
    before every write. An actor made by code (no `signed_in`: scripts, tests) is
    taken as it is. Raises Forbidden (`signed_out`) for a user removed from the file, whose
    password changed, or an open-mode actor once users exist; UsersFileError when the file
    cannot be read."""
    how = actor.signed_in
    if how is None:
        return actor
    people = load(how.users_file)
    if how.method == OPEN_MODE:
        if people:
            raise _signed_out(actor)
        return actor
    entry = people.get(actor.name)
    if entry is None or entry_problem(entry) is not None:
        if how.method == OIDC:  # the provider vouches for the person, not a role
            return Actor(actor.name, VIEWER, (), how)
        raise _signed_out(actor)
    if how.method == PASSWORD and _stamp(entry) != how.stamp:
        raise _signed_out(actor)
    return _actor(actor.name, entry, how)


def _signed_out(actor: Actor) -> Forbidden:
    return Forbidden(
        "signed_out",
        f"{actor.name} is no longer signed in (removed from the users file, a new password,"
        " or sign-in was set up): sign in again",
        user=actor.name,
    )


class Throttle:
    """Failed sign-ins per key (a name, a client), in this process's memory. After `free`
    failures each try waits `first` seconds after the last failure, doubling with each
    further failure up to `longest`; a success clears the key, and a key quiet for an hour
    is forgotten. At most `size` keys are kept, so a flood of names cannot fill memory."""

    def __init__(
        self,
        free: int,
        *,
        first: float = FIRST_DELAY_S,
        longest: float = LONGEST_DELAY_S,
        clock: Callable[[], float] = time.monotonic,
        size: int = 10_000,
    ) -> None:
        self.free, self.first, self.longest, self.clock, self.size = (
            free,
            first,
            longest,
            clock,
            size,
        )
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (count, last failure)
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Seconds before `key` may try again (0: now)."""
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
        if count < self.free:
            return 0.0
        delay = min(self.first * 2 ** min(count - self.free, 32), self.longest)
        return max(0.0, last + delay - self.clock())

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            count, _ = self._failures.pop(key, (0, now))
            self._failures[key] = (count + 1, now)  # re-inserted: dict order is by last failure
            if len(self._failures) > self.size:
                self._forget(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _forget(self, now: float) -> None:
        """Drop keys quiet for an hour; if still too many, the oldest half."""
        quiet = [k for k, (_, last) in self._failures.items() if now - last > 3600]
        for key in quiet:
            del self._failures[key]
        if len(self._failures) > self.size:
            for key in list(self._failures)[: len(self._failures) // 2]:
                del self._failures[key]


BY_NAME = Throttle(NAME_FAILURES)
BY_CLIENT = Throttle(CLIENT_FAILURES)


@cache
def _dummy() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong
    password (made on first use: importing the store must not cost a hash)."""
    return _HASHER.hash("not a password")


def authenticate(
    name: str,
    password: str,
    *,
    path: str | os.PathLike | None = None,
    client: str | None = None,
) -> Actor | None:
    """The user if the password matches, else None (the same answer for an unknown name).
    Raises Throttled before checking anything when the name or `client` failed too often
    (or too many checks are running); UsersFileError when the file or the name's entry
    cannot be used."""
    keys = [(BY_NAME, _key(name))]
    if client:
        keys.append((BY_CLIENT, _key(client)))
    wait = max(throttle.wait(key) for throttle, key in keys)
    if wait > 0:
        raise Throttled(math.ceil(wait))
    if len(password) > MAX_PASSWORD_CHARS or len(name) > MAX_NAME_CHARS:
        _failed(keys)
        return None
    file = users_file(path)
    entry = load(file).get(name)
    if entry is not None and entry_problem(entry):
        _failed(keys)
        _actor(name, entry)  # raises, naming what is wrong with the entry
    if not _VERIFYING.acquire(timeout=0.5):
        raise Throttled(2, busy=True)
    try:
        _HASHER.verify(entry["hash"] if entry else _dummy(), password)
        matched = entry is not None
    except (VerificationError, InvalidHashError):
        matched = False
    finally:
        _VERIFYING.release()
    if not matched or entry is None:  # (matched implies an entry; said again for mypy)
        _failed(keys)
        return None
    BY_NAME.succeeded(_key(name))
    return _actor(name, entry, SignIn(str(file), PASSWORD, _stamp(entry)))


def _key(text: str) -> str:
    """A throttle's key: a digest, so that a megabyte-long name costs 64 bytes to count."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _failed(keys: list[tuple[Throttle, str]]) -> None:
    for throttle, key in keys:
        throttle.failed(key)


def describe(path: str | os.PathLike | None = None) -> list[dict[str, object]]:
    """Users without their hashes: what `users list` prints, the admin sees and the digest
    is sent by (name, role, departments, email, language; None when not set). An entry
    that cannot sign in says why (`problem`)."""
    described = []
    for name, entry in sorted(load(path).items()):
        problem = entry_problem(entry)
        usable = entry if isinstance(entry, Mapping) else {}
        departments = usable.get("departments")
        row: dict[str, object] = {
            "name": name,
            "role": usable.get("role") if usable.get("role") in ROLES else "?",
            "departments": [str(d) for d in departments] if isinstance(departments, list) else [],
            "email": usable.get("email") if isinstance(usable.get("email"), str) else None,
            "language": usable.get("language")
            if usable.get("language") in USER_LANGUAGES
            else None,
        }
        if problem:
            row["problem"] = problem
        described.append(row)
    return described


__all__ = [
    "ROLES",
    "USER_LANGUAGES",
    "LastAdmin",
    "LastUser",
    "Throttled",
    "UserRefused",
    "UsersFileError",
    "add",
    "authenticate",
    "current_actor",
    "describe",
    "load",
    "password_problem",
    "remove",
    "update",
    "users_file",
]
