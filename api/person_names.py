"""The names of the people the campaign's facts name, as readers see them.

The log and the views hold a person's pseudonymous id and their name sealed under their key
(``taizhang.domain.persons``). Every JSON answer that carries sealed text (history, feed, state,
problem ledger, and the pages built on them) is opened here, with one read of the keys:
the name while the person's key exists, ``(erased)`` once ``taizhang erase-person``
destroyed it. A name recorded in clear before names were sealed is shown as recorded.
"""

from __future__ import annotations

from typing import Any

from taizhang.api.runtime import runtime
from taizhang.domain.persons import ERASED, PERSON_FIELDS, SEALED_PREFIX

PAIRS = frozenset(pair for pairs in PERSON_FIELDS.values() for pair in pairs)


def _sealed_in(value: Any, found: list[tuple[dict[str, Any], str, str]]) -> None:
    if isinstance(value, dict):
        for person, name in PAIRS:
            sealed = value.get(name)
            # Only beside the person it is sealed under: a correction's changes are not.
            if (
                isinstance(sealed, str)
                and sealed.startswith(SEALED_PREFIX)
                and isinstance(value.get(person), str)
            ):
                found.append((value, person, name))
        for inner in value.values():
            if isinstance(inner, dict | list):
                _sealed_in(inner, found)
    elif isinstance(value, list):
        for inner in value:
            if isinstance(inner, dict | list):
                _sealed_in(inner, found)


def reveal(body: Any) -> Any:
    """``body`` with every sealed name opened (or shown erased), in place."""
    found: list[tuple[dict[str, Any], str, str]] = []
    _sealed_in(body, found)
    if not found:
        return body
    opened = runtime().personal_keys.open_all(
        [(holder[person], name, holder[name]) for holder, person, name in found]
    )
    for (holder, _, name), plain in zip(found, opened, strict=True):
        holder[name] = ERASED if plain is None else plain
    return body


def reveal_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a view or an export, their sealed names opened."""
    reveal(rows)
    return rows
