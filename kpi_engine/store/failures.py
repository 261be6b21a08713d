"""Failures of the machine around the app, as codes that say what to do: a data directory
that cannot be written, a full disk, a damaged database file, a PostgreSQL that cannot be
reached, a damaged users file. The app shows `failure.<code>` from the catalogs instead
of a traceback naming paths or SQL (the details go to the server log); anything else is
a bug and is left to propagate. No Streamlit here.
"""

from __future__ import annotations

import errno

import sqlalchemy.exc

from kpi_engine.auth.users import UsersFileError

READ_ONLY, DISK_FULL, CORRUPT, UNREACHABLE, USERS_FILE, STORE = (
    "read_only",
    "disk_full",
    "corrupt",
    "unreachable",
    "users_file",
    "store",
)
CODES = (READ_ONLY, DISK_FULL, CORRUPT, UNREACHABLE, USERS_FILE, STORE)

_OS_CODES = {
    errno.EACCES: READ_ONLY,
    errno.EPERM: READ_ONLY,
    errno.EROFS: READ_ONLY,
    errno.ENOSPC: DISK_FULL,
    errno.EDQUOT: DISK_FULL,
}
# Words of the database drivers' messages (lowercased), first match wins.
_DRIVER_WORDS = (
    (("readonly", "read-only", "unable to open database", "permission denied"), READ_ONLY),
    (("disk is full", "no space", "disk i/o error", "quota"), DISK_FULL),
    (("not a database", "malformed", "corrupt"), CORRUPT),
)


def failure(error: BaseException) -> str | None:
    """The failure behind `error` (one of CODES), or None when it is not one of them."""
    if isinstance(error, UsersFileError) and error.name is None:
        return USERS_FILE
    if isinstance(error, OSError):
        return _OS_CODES.get(error.errno)  # type: ignore[arg-type]
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        text = str(error.orig).lower()
        for words, code in _DRIVER_WORDS:
            if any(w in text for w in words):
                return code
        driver = type(error.orig).__module__.split(".")[0]
        if driver != "sqlite3" and isinstance(
            error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError
        ):
            return UNREACHABLE  # refused, unknown host, timed out, wrong credentials
        return STORE
    if isinstance(error, sqlalchemy.exc.SQLAlchemyError):
        return STORE
    return None
