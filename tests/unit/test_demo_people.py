"""The demo's people on a path to membership: two sponsors are two people.

Seed 002 (8): "发展对象要有两名正式党员做入党介绍人"; the domain refuses the same member twice,
so a demo of thousands of branches stopped when two draws of a pseudonymous id coincided.
"""

from __future__ import annotations

from random import Random

from taizhang.demo.data import _people, _person


def test_people_are_different_even_when_two_draws_coincide() -> None:
    # Seeds whose first two draws coincide exist among the first few thousand.
    seed = next(s for s in range(100_000) if _person(Random(s)) == _person(_second(s)))
    people = _people(Random(seed), 2)
    assert len(set(people)) == 2


def test_people_take_the_same_draws_as_one_by_one_when_nothing_coincides() -> None:
    for seed in range(200):
        rng, again = Random(seed), Random(seed)
        drawn = [_person(again), _person(again)]
        if drawn[0] != drawn[1]:
            assert _people(rng, 2) == drawn


def _second(seed: int) -> Random:
    """A stream positioned after its first draw."""
    rng = Random(seed)
    _person(rng)
    return rng
