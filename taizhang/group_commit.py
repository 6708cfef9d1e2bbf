"""Group commit: concurrent posts in one process share one database transaction.

Every write to the event store takes an exclusive table lock, so the store accepts about
as many transactions per second as the disk and the lock allow, whatever their size.
Posts that arrive while a save is under way queue up and go together in the next one.
Each post's events stay all-or-nothing, and one post never fails another: if the shared
transaction fails for any reason but the store being unreachable (a conflict, a duplicate
receipt, an event the database or the encoder refuses), each post is saved again on its
own, so only the post at fault sees the error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, Recording
from prometheus_client import Histogram

from taizhang.ledger import Ledger

MAX_GROUP_EVENTS = 5000
# How long a leader waits for posts already under way in this process (announced, their
# events not yet queued) before it starts a transaction without them. Every transaction
# costs the database a table lock, a NOTIFY and a commit, so on a busy, CPU-bound machine
# fewer, larger transactions store more posts per second.
LINGER_SECONDS = 0.002

# How many posts share a transaction: the larger, the more posts a second the store takes.
POSTS_PER_TRANSACTION = Histogram(
    "taizhang_group_commit_posts",
    "Posts stored together in one group-commit transaction",
    buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32, 64),
)


@dataclass(eq=False)
class Arrival:
    """A post under way: the leader of a round may wait a moment for its events."""

    group: GroupCommit
    pending: bool = True

    def arrived(self) -> None:
        """Its events are queued, or it will not save: no one need wait for it any more."""
        with self.group._lock:
            if self.pending:
                self.pending = False
                self.group._arriving -= 1
                self.group._changed.notify_all()


@dataclass(eq=False)
class _Ticket:
    events: Sequence[Any]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    recordings: list[Recording[Any]] = field(default_factory=list)
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: list[_Ticket] = []
        self._leader_active = False
        self._arriving = 0

    def announce(self) -> Arrival:
        """A post has started: it will probably save soon (call ``arrived`` when it does not)."""
        with self._lock:
            self._arriving += 1
        return Arrival(self)

    def save(self, events: Sequence[Any], arrival: Arrival | None = None) -> list[Recording[Any]]:
        """Store ``events`` atomically, possibly in one transaction with other callers'."""
        ticket = _Ticket(events)
        with self._lock:
            self._queue.append(ticket)
            if arrival is not None and arrival.pending:
                arrival.pending = False
                self._arriving -= 1
                self._changed.notify_all()
            leading = not self._leader_active
            if leading:
                self._leader_active = True
        if not leading:
            ticket.done.wait()
            if ticket.lead:  # the previous leader handed over before serving this ticket
                ticket.done.clear()
                self._lead(ticket)
        else:
            self._lead(ticket)
        if ticket.error is not None:
            raise ticket.error
        return ticket.recordings

    def _lead(self, own: _Ticket) -> None:
        # Serve rounds until our own ticket is done, then hand the lead to a waiting
        # caller so no thread is kept serving others indefinitely.
        while True:
            with self._lock:
                deadline = time.monotonic() + LINGER_SECONDS
                while self._arriving > 0:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._changed.wait(remaining)
                group = self._take_group()
                if not group:
                    self._leader_active = False
                    return
            self._commit(group)
            if own.done.is_set():
                with self._lock:
                    if self._queue:
                        successor = self._queue[0]
                        successor.lead = True
                        successor.done.set()
                    else:
                        self._leader_active = False
                return

    def _take_group(self) -> list[_Ticket]:
        # Two posts on the same aggregate would make the shared transaction fail as a
        # whole; the later one waits for the next round instead.
        group: list[_Ticket] = []
        touched: set[Any] = set()
        size = 0
        for ticket in list(self._queue):
            ids = {e.originator_id for e in ticket.events}
            if group and (size + len(ticket.events) > MAX_GROUP_EVENTS or ids & touched):
                continue
            self._queue.remove(ticket)
            group.append(ticket)
            touched |= ids
            size += len(ticket.events)
        return group

    def _commit(self, group: list[_Ticket]) -> None:
        POSTS_PER_TRANSACTION.observe(len(group))
        if len(group) == 1:
            self._commit_alone(group[0])
            return
        try:
            recordings = self.ledger.record([e for t in group for e in t.events])
        except (OperationalError, InterfaceError) as error:
            # The store is unreachable: saving each post alone would only fail again, slower.
            for ticket in group:
                ticket.error = error
                ticket.done.set()
            return
        except Exception:
            for ticket in group:
                self._commit_alone(ticket)
            return
        by_event = {id(r.domain_event): r for r in recordings}
        for ticket in group:
            ticket.recordings = [by_event[id(e)] for e in ticket.events]
            ticket.done.set()

    def _commit_alone(self, ticket: _Ticket) -> None:
        try:
            ticket.recordings = self.ledger.record(ticket.events)
        except BaseException as error:
            ticket.error = error
        ticket.done.set()
