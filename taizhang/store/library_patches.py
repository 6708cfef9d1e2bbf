"""The one place where taizhang replaces a library object's attribute in place, with a check
of the libraries' versions.

Everything else extends eventsourcing through its hooks (``construct_transcoder``, the
recorders subclassed and named by ``APPLICATION_RECORDER_TOPIC``). Three things have no
hook: the library makes its PostgreSQL datastore and its pool inside its factory, and the
recorder's insert is a method of the object it returns. So these, and only these, are
replaced on the objects the library made (``PATCHES`` says why each), by ``replace``, which
first checks that the libraries are the versions the replacements were written against and
that the attribute still exists: a new release fails at start, naming what to review,
instead of working differently.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from typing import Any

# The libraries whose objects are changed, and the releases the replacements were read
# against (a prefix of the installed version).
EXPECTED_VERSIONS = {"eventsourcing": "9.5.", "psycopg-pool": "3."}

# What may be replaced, and why it cannot be done through a hook.
PATCHES = {
    "insert_events": (
        "PostgresApplicationRecorder: events stored by one statement, the insert function "
        "(taizhang.store.event_insert); the library's insert is the method of the recorder "
        "its factory made"
    ),
    "_check": (
        "psycopg_pool.ConnectionPool made by the library's PostgresDatastore: the check "
        "before use (taizhang.store.pool_check) and jit = off for every session "
        "(taizhang.store.pool_sessions); the pool takes its check only when constructed"
    ),
    "get_connection": (
        "PostgresDatastore / SQLiteDatastore: the circuit breaker around every connection a "
        "request takes (taizhang.api.breaker); the datastore is made inside the factory"
    ),
}


class LibraryChanged(RuntimeError):
    """The installed library is not the one a replacement was written against."""


@cache
def check_versions() -> None:
    """Raise ``LibraryChanged`` unless each library is a release ``EXPECTED_VERSIONS`` names."""
    for package, prefix in EXPECTED_VERSIONS.items():
        installed = version(package)
        if not installed.startswith(prefix):
            raise LibraryChanged(
                f"{package} {installed} is installed; taizhang.store.library_patches replaces "
                f"attributes of its objects as of {prefix}x: review {', '.join(PATCHES)}"
            )


def replace(target: Any, name: str, value: Any) -> None:
    """Set ``target.name`` to ``value`` on this object only, after the checks."""
    if name not in PATCHES:
        raise ValueError(f"{name!r} is not a replacement taizhang makes ({', '.join(PATCHES)})")
    check_versions()
    if not hasattr(target, name):
        raise LibraryChanged(
            f"{type(target).__name__} has no {name!r} any more: review the replacement "
            f"({PATCHES[name]})"
        )
    setattr(target, name, value)


def restore(target: Any, name: str) -> None:
    """Undo ``replace`` on this object: the class's own attribute shows again."""
    vars(target).pop(name, None)
