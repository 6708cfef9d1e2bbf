"""The one bounded cache type keeps the most recently used entries."""

from __future__ import annotations

import pytest

from taizhang.lru import LRU


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the oldest
    cache.put("c", 3)
    assert (cache.peek("a"), cache.peek("b"), cache.peek("c")) == (1, None, 3)
    assert cache.peek("a") == 1  # a peek does not count as a use
    cache.touch("c")
    cache.put("d", 4)
    assert (cache.peek("a"), cache.peek("c"), cache.peek("d")) == (None, 3, 4)
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0


def test_a_cache_holds_at_least_one_entry() -> None:
    with pytest.raises(ValueError):
        LRU(0)
