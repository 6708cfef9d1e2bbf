"""Projection logic: plain functions of (view state, event), no I/O.

The same code serves the live worker, the rebuild and the as-of reports. ``fold`` applies
one event to one projection; ``settle`` recomputes the derived rows of what a batch touched.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import resolve_topic

from projections.fold import organizations, problems, work
from projections.state import ViewState

PROGRESS_HANDLERS: dict[type, Any] = {
    **organizations.HANDLERS,
    **work.HANDLERS,
    **problems.HANDLERS,
}


def fold(state: ViewState, projection: str, event: Any, position: int) -> None:
    if projection != "progress":
        # The timeline folds the stored event itself, undecoded: timeline.fold_stored.
        raise ValueError(f"fold: {projection!r} does not fold decoded events")
    handler = PROGRESS_HANDLERS.get(type(event))
    if handler is not None:
        handler(state, event)


_CLASS_OF_TOPIC: dict[str, type] = {}


def progress_handler(topic: str) -> Any:
    """The progress fold for a stored event's topic, or None: no need to decode it."""
    cls = _CLASS_OF_TOPIC.get(topic)
    if cls is None:
        try:
            cls = _CLASS_OF_TOPIC[topic] = resolve_topic(topic)
        except Exception:  # noqa: BLE001 -- an unknown topic is the decoder's to report
            return fold_decoded
    return PROGRESS_HANDLERS.get(cls)


def fold_decoded(state: ViewState, event: Any) -> None:
    handler = PROGRESS_HANDLERS.get(type(event))
    if handler is not None:
        handler(state, event)


def settle(state: ViewState) -> list[tuple[str, Exception]]:
    """Bring derived columns up to date for everything folded since the last settle.

    Returns what could not be recomputed (which row, and why) instead of stopping there,
    so that one bad row never holds up the rest.
    """
    failures: list[tuple[str, Exception]] = []
    for problem_id in sorted(state.stale_problems):
        try:
            problems.refresh_problem(state, problem_id)
        except Exception as error:  # noqa: BLE001
            failures.append((f"problem {problem_id}", error))
    state.stale_problems.clear()
    for key in sorted(state.stale_works):
        try:
            work.refresh_work(state, key)
        except Exception as error:  # noqa: BLE001
            failures.append((f"branch progress {key}", error))
    state.stale_works.clear()
    return failures
