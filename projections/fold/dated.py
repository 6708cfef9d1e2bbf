"""What had happened by a business date: facts, problems and reference data as of a day.

Every event has a business date (``occurred_on``), corrections and withdrawals included:
they count from their own date. The state on a day D is what the events dated D or earlier
made of it, applied in log order. The folds keep what that needs beside each row (a fact's
corrections and withdrawal with their dates, a branch's changes, a problem's revisions);
these functions read a row as it stood on a day. ``day`` is an ISO date's text throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from taizhang.projections.fold.common import Compact

# An entry's history item: [occurred_on, "c", changes] for a correction (its changes as
# plain values: the kept fields and occurred_on), [occurred_on, "w", None] for a withdrawal.
CORRECTED, WITHDRAWN = "c", "w"
# Earlier than any business date: the first item of a history that holds from the start.
BEGINNING = "0000-01-01"


def fact_on(entry: Compact, day: str) -> Compact | None:
    """The fact as it stood on ``day``: None when it had not happened (by its date as then
    corrected) or had been withdrawn by then."""
    history = entry[4] if len(entry) > 4 else None
    if not history:
        return entry if entry[2] <= day else None
    current: Compact = entry[:4]
    for on, kind, changes in history:
        if on > day:
            continue
        if kind == WITHDRAWN:
            return None
        if "occurred_on" in changes:
            current[2] = changes["occurred_on"]
        kept = {k: v for k, v in changes.items() if k != "occurred_on"}
        if kept:
            current[3] = {**(current[3] or {}), **kept}
    return current if current[2] <= day else None


def facts_on(entries: dict[str, Compact], day: str) -> Iterator[Compact]:
    for entry in entries.values():
        found = fact_on(entry, day)
        if found is not None:
            yield found


def fact_days(entry: Compact) -> Iterator[str]:
    """The days on which the fact's standing can change."""
    yield entry[2]
    for on, kind, changes in entry[4] if len(entry) > 4 else ():
        yield on
        if kind == CORRECTED and "occurred_on" in changes:
            yield changes["occurred_on"]


def last_on(items: Iterable[list[Any]], day: str) -> list[Any] | None:
    """The last item, in log order, dated ``day`` or earlier."""
    found = None
    for item in items:
        if item[0] <= day:
            found = item
    return found


def branch_on(history: list[Any], day: str) -> dict[str, Any] | None:
    """A branch's reference values (committee, formation, ...) on ``day``; None before it
    was registered."""
    values: dict[str, Any] | None = None
    for on, column, value in history:
        if on > day:
            continue
        if column == "*":
            values = dict(value)
        elif values is not None:
            values[column] = value
    return values


def enrolment_on(enrolments: list[Any], day: str) -> tuple[bool, str | None]:
    """(enrolled on ``day``, the date of the withdrawal in force if withdrawn)."""
    found = last_on(enrolments, day)
    if found is None:
        return False, None
    return bool(found[1]), (None if found[1] else found[0])


def deadline_on(phase: dict[str, Any], day: str) -> str | None:
    """A campaign phase's deadline on ``day``: as defined, then as changed by then."""
    changes = phase.get("deadlines")
    if not changes:
        deadline: str | None = phase.get("deadline")
        return deadline
    found = last_on(changes, day)
    return found[1] if found is not None else None
