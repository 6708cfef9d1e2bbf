"""Ids drawn in bulk are random version-4 UUIDs, all different."""

from __future__ import annotations

from taizhang.store.ids import new_ids


def test_ids_drawn_together_are_distinct_version_4_uuids() -> None:
    ids = new_ids(1000)
    assert len(ids) == len(set(ids)) == 1000
    assert {i.version for i in ids} == {4}
    assert {i.variant for i in ids} == {"specified in RFC 4122"}
    assert set(ids).isdisjoint(new_ids(1000)), "a second draw shares nothing with the first"
    assert new_ids(0) == []
