"""A branch work's suggestion items (``taizhang.domain.suggestions``) on every business day, as
spans.

Only the facts that make or settle items are read, so a branch without visit suggestions
costs nothing here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from taizhang.domain.suggestions import ANSWERED, REFERRED, VISIT, SuggestionItem, suggestion_items
from taizhang.projections.fold.common import Compact, iso, revive
from taizhang.projections.fold.dated import fact_on
from taizhang.projections.fold.spans import span_rows
from taizhang.projections.state import Key

_KINDS = (VISIT, ANSWERED, REFERRED)


def _values(item: SuggestionItem | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "group_id": str(item.group_id),
        "text": item.text,
        "made_on": iso(item.made_on),
        "answered_on": iso(item.answered_on) if item.answered_on else None,
        "closed_on": iso(item.closed_on) if item.closed_on else None,
        "referred_on": iso(item.referred_on) if item.referred_on else None,
    }


def suggestion_rows(
    key: Key, facts: dict[str, Compact], days: list[str], classes: dict[str, type]
) -> dict[Key, dict[str, Any]]:
    """The spans of every item of a work's visits, from its facts as they stood each day."""
    relevant = {h: entry for h, entry in facts.items() if entry[0] in _KINDS}
    if not any(entry[0] == VISIT for entry in relevant.values()):
        return {}
    series: dict[str, list[tuple[str, dict[str, Any] | None]]] = defaultdict(list)
    for day in days:
        standing = [(UUID(h), fact_on(entry, day)) for h, entry in relevant.items()]
        items = suggestion_items(
            (event_id, revive(entry, classes)) for event_id, entry in standing if entry
        )
        for item_id in set(series) | {str(i) for i in items}:
            series[item_id].append((day, _values(items.get(UUID(item_id)))))
    rows: dict[Key, dict[str, Any]] = {}
    for item_id, values in series.items():
        rows.update(span_rows("suggestion_span", (*key, item_id), values))
    return rows
