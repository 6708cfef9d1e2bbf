"""Checking the stored log against its hash chain: the first event changed, deleted,
inserted or reordered, and its position.

The walk recomputes every link from the stored bytes (``taizhang.evidence.chain``) in
notification-id order, beside the stored links. The first place where they part is
examined a little further to say what happened there:

- a link with no event at its position: the event was **deleted** (a shorter tail too);
- an event with no link: it was **inserted**;
- an event whose recomputed link differs: it was **changed**, unless its bytes are those
  the chain links at another position (it was **reordered**: moved or swapped), or the
  event after it is the one the chain links here (one was **inserted** before it, the rest
  renumbered), or it and the ones after it each fit a later position by the same shift
  (events were **deleted**, the rest renumbered).

A log whose events and links were all rewritten together passes this walk; what it cannot
pass is a signed checkpoint (``taizhang.evidence.checkpoints``), checked against the
recomputed links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import takewhile

from taizhang.evidence.chain import GENESIS, link
from taizhang.evidence.chain_store import PAGE, ChainStore, StoredRow

# How far past the first difference the walk looks to tell a move from a change.
LOOKAHEAD = 1000


@dataclass(frozen=True)
class Finding:
    kind: str  # changed, deleted, inserted, reordered, truncated, not-extended
    position: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} at position {self.position}: {self.detail}"


@dataclass
class Walk:
    """What a walk over the log found."""

    events: int = 0
    head: int = 0
    head_link: bytes = GENESIS
    finding: Finding | None = None
    # The recomputed link at each position asked for (signed checkpoints' positions).
    links_at: dict[int, bytes] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return self.finding is None


def _fits(row: StoredRow, previous: bytes, position: int, stored: bytes) -> bool:
    if row.originator_id is None:
        return False
    return link(previous, position, row.originator_id, row.version, row.topic, row.state) == stored


def classify(previous: bytes, rows: list[StoredRow], links: list[tuple[int, bytes]]) -> Finding:
    """What happened at the first difference: ``rows`` and ``links`` start there (the first
    of each is at or after it), ``previous`` is the link before it."""
    first_row = rows[0] if rows else None
    first_link = links[0] if links else None
    if first_link is not None and (first_row is None or first_link[0] < first_row.position):
        return Finding(
            "deleted",
            first_link[0],
            "the chain links an event at this position that the log no longer holds",
        )
    if first_row is None or first_link is None or first_row.position < first_link[0]:
        assert first_row is not None
        return Finding(
            "inserted", first_row.position, "the log holds an event the chain does not link"
        )
    position = first_row.position

    def before(i: int) -> bytes:
        return previous if i == 0 else links[i - 1][1]

    def fits(row: StoredRow, i: int) -> bool:
        return i < len(links) and _fits(row, before(i), links[i][0], links[i][1])

    for i in range(1, len(links)):
        if fits(first_row, i):
            shifted = len(rows) > 1 and fits(rows[1], i + 1)
            if shifted:
                return Finding(
                    "deleted",
                    position,
                    f"{i} event(s) the chain links from this position were removed "
                    "and the later ones renumbered",
                )
            return Finding(
                "reordered",
                position,
                f"the event stored here is the one the chain links at position {links[i][0]}",
            )
    if len(rows) > 1 and fits(rows[1], 0):
        return Finding(
            "inserted",
            position,
            "an event the chain does not link was put here and the later ones renumbered",
        )
    return Finding(
        "changed", position, "the stored bytes of this event are not those the chain links"
    )


def walk(
    store: ChainStore,
    *,
    at: Iterable[int] = (),
    progress: Callable[[int], None] | None = None,
) -> Walk:
    """Walk the whole log; stop at the first difference."""
    wanted = set(at)
    result = Walk()
    previous = GENESIS
    upto = _known_head(store)
    rows = takewhile(lambda row: row.position <= upto, store.iter_rows())
    links = takewhile(lambda link: link[0] <= upto, store.iter_links())
    row = next(rows, None)
    stored = next(links, None)
    while row is not None or stored is not None:
        if row is None or stored is None or row.position != stored[0]:
            return _found(store, result, previous)
        if not _fits(row, previous, row.position, stored[1]):
            return _found(store, result, previous)
        previous = stored[1]
        result.events += 1
        result.head, result.head_link = row.position, previous
        if row.position in wanted:
            result.links_at[row.position] = previous
        if progress is not None:
            progress(1)
        row = next(rows, None)
        stored = next(links, None)
    return result


def _found(store: ChainStore, result: Walk, previous: bytes) -> Walk:
    after = result.head
    result.finding = classify(
        previous, store.rows_after(after, LOOKAHEAD), store.links_after(after, LOOKAHEAD)
    )
    return result


# How many of the newest events a quick check looks at (readiness, status): enough for the
# events since the last signed checkpoint, few enough to answer a probe in milliseconds.
TAIL = 2000


def check_range(
    store: ChainStore,
    after: int,
    previous: bytes,
    limit: int | None = None,
    *,
    upto: int | None = None,
) -> Finding | None:
    """Check the events after position ``after`` (up to ``limit`` of them; all by default)
    against their links, the link at ``after`` being ``previous``, a page at a time, up to
    the head ``upto`` (by default the one found as it starts, ``_known_head``)."""
    if upto is None:
        upto = _known_head(store)
    left = limit
    while left is None or left > 0:
        size = PAGE if left is None else min(PAGE, left)
        fetched = store.rows_after(after, size)
        rows = [row for row in fetched if row.position <= upto]
        links = [item for item in store.links_after(after, size) if item[0] <= upto]
        if rows and len(fetched) == size:
            links = [item for item in links if item[0] <= rows[-1].position]
        for i, row in enumerate(rows):
            stored = links[i] if i < len(links) else None
            if stored is None or stored[0] != row.position or not _fits(row, previous, *stored):
                first = row.position if stored is None else min(row.position, stored[0])
                return _classify_at(store, first, previous)
            previous = stored[1]
        if len(links) > len(rows):
            return classify(previous, [], links[len(rows) :])
        if len(rows) < size:
            return None
        after = rows[-1].position
        left = None if left is None else left - len(rows)
    return None


def _known_head(store: ChainStore) -> int:
    """The last position stored or linked when a check starts: it reads the events and the
    links in statements of their own, and an event is stored with its link in one
    transaction, so a post committed between the two reads would otherwise be seen in one
    and not the other (a live log looked as if its newest event had been deleted)."""
    return max(store.last_position(), (store.head() or (0, b""))[0])


def _classify_at(store: ChainStore, position: int, previous: bytes) -> Finding:
    """What happened from ``position`` on, the link before it being ``previous``."""
    return classify(
        previous,
        store.rows_after(position - 1, LOOKAHEAD),
        store.links_after(position - 1, LOOKAHEAD),
    )


def check_tail(store: ChainStore, count: int = TAIL) -> tuple[int, Finding | None]:
    """Check the newest ``count`` events against their links (each against the stored link
    before it): where the check started, and the first difference or None."""
    head = _known_head(store)
    after, previous = store.link_at_or_before(max(0, head - count))
    return after, check_range(store, after, previous, count, upto=head)


def tail_report(store: ChainStore, count: int = TAIL) -> dict[str, object]:
    """The quick check of the newest events, as readiness and status show it."""
    after, finding = check_tail(store, count)
    report: dict[str, object] = {"checked_after": after, "intact": finding is None}
    if finding is not None:
        report.update(kind=finding.kind, position=finding.position, detail=finding.detail)
    return report
