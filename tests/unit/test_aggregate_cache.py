"""The aggregate cache is bounded by the events its aggregates hold, least recently used first."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from taizhang.store.aggregate_cache import AggregateCache


@dataclass(frozen=True)
class State:
    version: int
    id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True)
class Work:
    """An aggregate that keeps facts, like a branch's work."""

    version: int
    id: UUID = field(default_factory=uuid4)
    facts: tuple[str, ...] = ()


def test_evicts_least_recently_used_until_the_events_fit() -> None:
    cache = AggregateCache(max_events=10)
    a, b, c = State(4), State(4), State(4)
    cache.put(a)
    cache.put(b)
    assert cache.get(a.id) is a  # a is now the most recently used
    cache.put(c)
    assert b.id not in cache
    assert cache.get(a.id) is a and cache.get(c.id) is c
    assert cache.events == 8


def test_aggregates_that_keep_facts_make_room_before_consulted_ones() -> None:
    cache = AggregateCache(max_events=10)
    campaign, branch = State(2), State(2)
    cache.put(campaign)
    cache.put(branch)
    works = [Work(3) for _ in range(3)]
    for work in works:
        cache.put(work)
    # The campaign and branch were used least recently, yet a work made room instead.
    assert campaign.id in cache and branch.id in cache
    assert works[0].id not in cache
    assert cache.get(works[1].id) is works[1] and cache.get(works[2].id) is works[2]
    assert cache.events == 10
    # A work that needs more room than the other works free: consulted ones give way too,
    # never the work just put.
    big = Work(8)
    cache.put(big)
    assert cache.get(big.id) is big
    assert cache.get(branch.id) is branch, "the most recently used consulted one stays"
    assert campaign.id not in cache and not any(w.id in cache for w in works)
    assert cache.events == 10


def test_a_newer_state_replaces_the_old_and_its_weight() -> None:
    cache = AggregateCache(max_events=10)
    old = State(3)
    newer = State(7, id=old.id)
    cache.put(old)
    cache.put(newer)
    assert cache.get(old.id) is newer
    assert cache.events == 7
    cache.put(old)  # an older state never replaces a newer one
    assert cache.get(old.id) is newer and cache.events == 7


def test_an_aggregate_larger_than_the_budget_is_not_kept() -> None:
    cache = AggregateCache(max_events=10)
    small = State(2)
    cache.put(small)
    cache.put(State(11))
    assert len(cache) == 1 and small.id in cache


def test_a_state_grown_past_the_budget_leaves_the_cache() -> None:
    cache = AggregateCache(max_events=10)
    state = State(9)
    cache.put(state)
    cache.put(State(12, id=state.id))
    assert state.id not in cache and cache.events == 0


def test_a_budget_of_zero_keeps_nothing() -> None:
    cache = AggregateCache(max_events=0)
    state = State(1)
    cache.put(state)
    assert cache.get(state.id) is None and len(cache) == 0


@given(
    budget=st.integers(min_value=0, max_value=50),
    puts=st.lists(
        st.tuples(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=20))
    ),
)
def test_the_events_held_never_exceed_the_budget(budget: int, puts: list[tuple[int, int]]) -> None:
    ids = [uuid4() for _ in range(6)]
    cache = AggregateCache(max_events=budget)
    put: list[State | Work] = []
    for which, version in puts:
        # Even ids are consulted aggregates, odd ones keep facts.
        state: State | Work = (State if which % 2 == 0 else Work)(version, id=ids[which])
        cache.put(state)
        put.append(state)
        assert cache.events <= budget
        held = [cache.get(i) for i in ids if i in cache]
        # Weight counts at least one event per aggregate, so a version-0 state weighs 1.
        assert cache.events == sum(max(1, s.version) for s in held if s is not None)
        # Only states that were put are handed out. (Once evicted, an older state may come
        # back: callers already treat a cached state as possibly stale, as another process
        # may have written since.)
        assert all(any(h is p for p in put) for h in held)
