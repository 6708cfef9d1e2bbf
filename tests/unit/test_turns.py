"""Turns on aggregates: one lock per aggregate in a process, per-aggregate advisory keys."""

from __future__ import annotations

import threading
from uuid import UUID, uuid4

from taizhang.ledger import TURN_LOCK_CLASS, TURN_LOCKS_MAX, TURN_STRIPE_CLASS, turn_keys
from taizhang.turns import Turns


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


def test_turn_keys_name_each_aggregate_up_to_the_limit_then_stripes() -> None:
    assert turn_keys([]) is None
    few = [uuid4() for _ in range(TURN_LOCKS_MAX)]
    lock_class, keys = turn_keys(few) or (0, [])
    assert lock_class == TURN_LOCK_CLASS
    assert keys == sorted(keys) and len(set(keys)) == len(few)
    assert all(-(2**31) <= k < 2**31 for k in keys), "advisory keys are int4"
    # An aggregate gets the same key whatever else the writer changes.
    alone = turn_keys([few[0]])
    assert alone is not None and alone[1][0] in keys

    many = [UUID(int=i) for i in range(TURN_LOCKS_MAX * 3)]
    lock_class, keys = turn_keys(many) or (0, [])
    assert lock_class == TURN_STRIPE_CLASS
    assert keys == list(range(TURN_LOCKS_MAX)), "never more locks than the limit"
