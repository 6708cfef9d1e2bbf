"""Pages of the lists of what is due and overdue (``GET …/party-life/due``).

The lists are computed whole and cached (``taizhang.projections.party_life``), sorted by a key that
names one item: a duty's period by (due date, owner, duty, period), a member short of
education days by (branch, member). A page is the ``limit`` items after (or before) a
cursor, which holds the key of the item it was taken at, so a page stays in place when
items come or go before it. Cursors are opaque to clients: a cursor this API did not give
is refused, naming the field and the rule.
"""

from __future__ import annotations

import base64
import bisect
import json
from typing import Any

from taizhang.api.schemas.party_life import LISTS
from taizhang.domain.errors import InvalidValue

DEFAULT_LIST = "overdue"


def item_key(name: str, item: dict[str, Any]) -> list[str]:
    if name == "education_short":
        return [item["branch_id"], item["member"]]
    return [item["due_on"], item["owner_id"], item["duty"], item["period"]]


def cursor_of(key: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def key_of(cursor: str, field: str, size: int) -> list[str]:
    """The key a cursor this API gave holds; anything else is the caller's mistake."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        value = None
    if isinstance(value, list) and len(value) == size and all(type(v) is str for v in value):
        return value
    raise InvalidValue(field, "valid_cursor", "the cursor is not one this API gave")


def page(
    name: str, items: list[dict[str, Any]], limit: int, after: str | None, before: str | None
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """(the page, the cursor of the next, the cursor of the previous; None at an end)."""
    keys = [item_key(name, i) for i in items]
    size = 2 if name == "education_short" else 4
    if before is not None:
        end = bisect.bisect_left(keys, key_of(before, "before", size))
        start = max(0, end - limit)
    else:
        start = 0 if after is None else bisect.bisect_right(keys, key_of(after, "after", size))
        end = min(len(items), start + limit)
    following = cursor_of(keys[end - 1]) if end < len(items) and end > start else None
    previous = cursor_of(keys[start]) if start > 0 and start < len(items) else None
    return items[start:end], following, previous


def paged(body: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    """The lists' view with each list a page of it, its total and its cursors."""
    limit = int(query["limit"])
    paging = query.get("list", DEFAULT_LIST)
    found = {k: v for k, v in body.items() if k not in LISTS}
    totals, following, previous = {}, {}, {}
    for name in LISTS:
        mine = name == paging
        items, following[name], previous[name] = page(
            name,
            body[name],
            limit,
            query.get("after") if mine else None,
            query.get("before") if mine else None,
        )
        found[name] = items
        totals[name] = len(body[name])
    return {**found, "limit": limit, "totals": totals, "next": following, "previous": previous}
