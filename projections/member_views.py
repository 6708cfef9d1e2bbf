"""The member-development pipeline read from the log, live or as known at a time.

Live: each process keeps the people's events folded (``projections.fold.members``) and
catches up from the position it reached, reading only what was stored since. As known at
T: the same fold over the events recorded by T, read afresh. The pipeline on D is then the
same pure function of the folded events for both, so the live view equals a replay for the
same D and T (``tests/projections/test_member_pipeline.py``).

The people's events are a small part of the log; entries of other topics are not decoded.
"""

from __future__ import annotations

import threading
import weakref
from datetime import UTC, datetime
from typing import Any

from domain.errors import InvalidValue
from projections.fold.members import TOPIC_PREFIX, MemberState, fold_member
from projections.log import LogReader
from taizhang.ledger import Ledger


def _fold_after(ledger: Ledger, state: MemberState, known_at: datetime | None = None) -> None:
    decode = ledger.mapper.to_domain_event
    reader = LogReader(ledger)
    try:
        for page in reader.pages(state.position):
            for entry in page:
                if entry.topic.startswith(TOPIC_PREFIX):
                    event = decode(entry)
                    if known_at is None or event.timestamp <= known_at:
                        fold_member(state, event)
            state.position = page[-1].id
    finally:
        reader.close()


def replay_members(ledger: Ledger, known_at: datetime | None = None) -> MemberState:
    """The people's events recorded by ``known_at`` (all when None), folded afresh."""
    if known_at is not None:
        if known_at.tzinfo is None:
            raise InvalidValue("known_at", "timezone", "known_at needs a timezone, e.g. +08:00")
        if known_at > datetime.now(UTC):
            raise InvalidValue("known_at", "not_in_future", "nothing is known of the future yet")
    state = MemberState()
    _fold_after(ledger, state, known_at)
    return state


class LiveMembers:
    """A process's live fold of the people's events, for one ledger."""

    def __init__(self) -> None:
        self.state = MemberState()
        self.lock = threading.Lock()

    def caught_up(self, ledger: Ledger) -> MemberState:
        """The fold up to the end of the log as it is now. Readers share the state: it is
        only changed here, under the lock, and read under it by ``read``."""
        with self.lock:
            _fold_after(ledger, self.state)
            return self.state


_LIVE: weakref.WeakKeyDictionary[Ledger, LiveMembers] = weakref.WeakKeyDictionary()
_live_lock = threading.Lock()


def live_members(ledger: Ledger) -> LiveMembers:
    with _live_lock:
        found = _LIVE.get(ledger)
        if found is None:
            found = _LIVE[ledger] = LiveMembers()
        return found


def members_state(ledger: Ledger, known_at: datetime | None) -> tuple[MemberState, Any]:
    """The folded people for a read, and the lock to hold while reading it (live state is
    shared between request threads; a replay is the caller's alone)."""
    if known_at is not None:
        return replay_members(ledger, known_at), threading.Lock()
    live = live_members(ledger)
    return live.caught_up(ledger), live.lock
