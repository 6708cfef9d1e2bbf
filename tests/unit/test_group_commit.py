"""Group commit: posts under way in a process are stored together, in one transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from prometheus_client import CollectorRegistry, Histogram

from taizhang import group_commit
from taizhang.group_commit import GroupCommit


@dataclass(frozen=True)
class Event:
    originator_id: UUID


@dataclass(frozen=True)
class Recording:
    domain_event: Any


class Store:
    """Stands in for the ledger: records each transaction's events."""

    def __init__(self) -> None:
        self.transactions: list[list[Any]] = []

    def record(self, events: Sequence[Any]) -> Sequence[Recording]:
        self.transactions.append(list(events))
        return [Recording(e) for e in events]


def test_the_leader_waits_for_posts_under_way_and_stores_them_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A long linger, so that the test does not depend on the machine's speed: the leader
    # is released by the last arrival, not by the clock.
    monkeypatch.setattr(group_commit, "LINGER_SECONDS", 30.0)
    store = Store()
    commits = GroupCommit(store)  # type: ignore[arg-type]
    arrivals = [commits.announce() for _ in range(3)]
    events = [Event(uuid4()) for _ in range(3)]
    results: list[Any] = [None] * 3
    # A histogram of its own: other tests' posts in this process do not count here.
    sizes = Histogram("group_posts", "test", registry=CollectorRegistry(), buckets=(1, 2, 4))
    monkeypatch.setattr(group_commit, "POSTS_PER_TRANSACTION", sizes)

    def post(i: int) -> None:
        results[i] = commits.save([events[i]], arrivals[i])

    first = threading.Thread(target=post, args=(0,))
    first.start()
    time.sleep(0.05)
    others = [threading.Thread(target=post, args=(i,)) for i in (1, 2)]
    for t in others:
        t.start()
    for t in (first, *others):
        t.join(timeout=10)
    assert store.transactions == [events]
    assert [r[0].domain_event for r in results] == events
    # /metrics tells operators how many posts share a transaction.
    samples = {sample.name: sample.value for metric in sizes.collect() for sample in metric.samples}
    assert (samples["group_posts_sum"], samples["group_posts_count"]) == (3, 1)


def test_a_post_that_will_not_save_releases_the_leader_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(group_commit, "LINGER_SECONDS", 30.0)
    store = Store()
    commits = GroupCommit(store)  # type: ignore[arg-type]
    mine, refused = commits.announce(), commits.announce()
    event = Event(uuid4())
    done = threading.Event()
    saver = threading.Thread(target=lambda: (commits.save([event], mine), done.set()))
    saver.start()
    time.sleep(0.05)
    assert not done.is_set()  # waiting for the other post under way
    refused.arrived()  # e.g. it was refused with a 422
    assert done.wait(timeout=10)
    saver.join()
    assert store.transactions == [[event]]
