"""Span rows: a value over the business days from ``from_on`` until the day before
``until_on`` (``OPEN``: for good), so that a view as of any day reads one row per thing.

A thing's spans are recomputed whole and replaced: the days its value changes on come from
``fold.dated``; runs of days with an equal value share one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taizhang.projections.schema import OPEN, TABLES_BY_NAME
from taizhang.projections.state import Key, ViewState

# How many leading key columns name the thing a span table's rows belong to: a branch's work
# (campaign, branch) for its progress, phases and problem counts; a problem for its own.
GROUP = {
    "progress_span": 2,
    "phase_span": 2,
    "problem_count_span": 2,
    "problem_span": 1,
    "suggestion_span": 2,
    "host_org_span": 1,
    "life_span": 2,
}


def coalesce(values: Sequence[tuple[str, Any]]) -> list[tuple[str, str, Any]]:
    """(from_on, until_on, value) runs of equal values from (day, value) in day order; a
    None value holds no row."""
    runs: list[tuple[str, str, Any]] = []
    start: str | None = None
    current: Any = None
    for day, value in values:
        if start is not None and value == current:
            continue
        if start is not None and current is not None:
            runs.append((start, day, current))
        start, current = day, value
    if start is not None and current is not None:
        runs.append((start, OPEN, current))
    return runs


def span_rows(
    table: str, prefix: Key, values: Sequence[tuple[str, dict[str, Any] | None]]
) -> dict[Key, dict[str, Any]]:
    """The rows of ``table`` for the thing named by ``prefix`` (its key columns before
    from_on), from its value on each day it may change."""
    names = TABLES_BY_NAME[table].key[:-1]
    rows = {}
    for from_on, until_on, value in coalesce(values):
        row = dict(zip(names, prefix, strict=True))
        row.update(value)
        row["from_on"] = from_on
        row["until_on"] = until_on
        rows[(*prefix, from_on)] = row
    return rows


def put_spans(
    state: ViewState,
    table: str,
    prefix: Key,
    values: Sequence[tuple[str, dict[str, Any] | None]],
) -> None:
    """Replace one thing's spans (a problem's; a branch work's spans go by
    ``replace_group``)."""
    replace_group(state, table, prefix, span_rows(table, prefix, values))


def replace_group(
    state: ViewState, table: str, group: Key, rows: dict[Key, dict[str, Any]]
) -> None:
    """Make ``rows`` the spans of ``table`` that belong to ``group``; write only changes."""
    keys = state.spans_of(table, GROUP[table])
    old = keys.get(group, set())
    for key in old - rows.keys():
        state.delete(table, key)
    for key, row in rows.items():
        if key not in old or state.get(table, key) != row:
            state.put(table, key, row)
    if rows:
        keys[group] = set(rows)
    else:
        keys.pop(group, None)


def index_spans(state: ViewState) -> None:
    """Which span rows belong to which thing, from rows loaded from the tables."""
    for table, length in GROUP.items():
        keys = state.spans_of(table, length)
        for key in state.rows[table]:
            keys.setdefault(key[:length], set()).add(key)
