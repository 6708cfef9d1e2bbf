"""Turns on aggregates: one lock per aggregate in a process, per-aggregate advisory keys."""

from __future__ import annotations

import threading
from uuid import UUID, uuid4

from taizhang.ledger import (
    TURN_LOCK_CLASS,
    TURN_LOCKS_MAX,
    TURN_STRIPE_CLASS,
    TURN_STRIPES,
    turn_keys,
)
from taizhang.store.turns import Turns


def test_a_turn_is_held_by_one_writer_at_a_time_and_forgotten_when_given_back() -> None:
    turns = Turns()
    a = uuid4()
    assert turns.take(a)
    assert not turns.take(a, timeout=0.05), "a second writer waited and went on without it"
    turns.give_back(a)
    assert turns.take(a, timeout=0.05)
    turns.give_back(a)
    assert len(turns) == 0


def test_turns_on_different_aggregates_never_wait_on_each_other() -> None:
    turns = Turns()
    ours, theirs = [uuid4() for _ in range(250)], [uuid4() for _ in range(250)]
    assert all(turns.take(a) for a in sorted(ours))
    assert all(turns.take(a, timeout=0.01) for a in sorted(theirs))
    assert len(turns) == 500
    for a in ours + theirs:
        turns.give_back(a)
    assert len(turns) == 0


def test_writers_taking_turns_on_one_aggregate_never_overlap() -> None:
    turns = Turns()
    a = uuid4()
    inside = 0
    overlaps = 0
    lock = threading.Lock()

    def writer() -> None:
        nonlocal inside, overlaps
        for _ in range(200):
            assert turns.take(a)
            with lock:
                inside += 1
                overlaps += inside > 1
            with lock:
                inside -= 1
            turns.give_back(a)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == 0
    assert len(turns) == 0, "a turn no one holds or waits for is dropped"


def test_a_writer_of_few_aggregates_locks_each_after_sharing_their_stripes() -> None:
    assert turn_keys([]) is None
    few = [uuid4() for _ in range(TURN_LOCKS_MAX)]
    locks = turn_keys(few)
    assert locks is not None
    pairs = list(zip(locks.classes, locks.keys, locks.shared, strict=True))
    stripes = [(k, shared) for c, k, shared in pairs if c == TURN_STRIPE_CLASS]
    own = [(k, shared) for c, k, shared in pairs if c == TURN_LOCK_CLASS]
    assert pairs[: len(stripes)] == [(TURN_STRIPE_CLASS, k, s) for k, s in stripes]
    assert stripes == sorted(stripes) and all(shared for _, shared in stripes)
    assert {k for k, _ in stripes} == {i.int % TURN_STRIPES for i in few}
    assert len(own) == len(few) and own == sorted(own)
    assert not any(shared for _, shared in own)
    assert all(-(2**31) <= k < 2**31 for k, _ in own), "advisory keys are int4"
    # An aggregate gets the same key whatever else the writer changes.
    alone = turn_keys([few[0]])
    assert alone is not None and alone.keys[-1] in {k for k, _ in own}


def test_a_writer_of_many_aggregates_locks_their_stripes_alone() -> None:
    many = [UUID(int=i) for i in range(TURN_LOCKS_MAX + 1)]
    locks = turn_keys(many)
    assert locks is not None
    assert set(locks.classes) == {TURN_STRIPE_CLASS}
    assert locks.keys == list(range(TURN_STRIPES)), "never more locks than the stripes"
    assert not any(locks.shared)
