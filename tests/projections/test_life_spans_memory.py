"""What a working set keeps while a district's years of life grow.

When one of a district's branches first has a fact in a new year, every branch of the
district is recomputed for it (``fold.life_spans.refresh_life``), each from its history of
life read back from the tables. At 2 million events the rebuild kept every history it read
until the settle ended: 15,503 branches of ~135 records each, a peak of 1 GB against a
bound of 290 MB (docs/SCALING.md). The working set must let go of a branch's history once
its spans are made, as it lets go of the rows it trims, and name the district's branches
without holding their rows.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from taizhang.domain.party_life import BRANCH
from taizhang.projections.fold import life_spans
from taizhang.projections.state import Key, Row, ViewState

DISTRICT = "district-1"
BRANCHES = 200
RECORDS = 40
BOUND = 10


class _History(list):  # type: ignore[type-arg]
    """A history as read from the tables: a list a weak reference can follow."""


class Tables:
    """The view tables of one district: each branch's register row and history of life."""

    def __init__(self) -> None:
        self.alive: weakref.WeakValueDictionary[int, _History] = weakref.WeakValueDictionary()
        self.reads = 0
        self.branch_ids = [f"branch-{n:03d}" for n in range(BRANCHES)]

    def row(self, table: str, key: Key) -> Row | None:
        if table == "view_branch" and key[0] in self.branch_ids:
            return {"branch_id": key[0], "district_id": DISTRICT, "history": []}
        return None

    def rows_where(self, table: str, columns: tuple[str, ...], values: Key) -> list[Row]:
        if table == "view_branch" and values == (DISTRICT,):
            return [self.row("view_branch", (b,)) for b in self.branch_ids]
        if table == "party_life" and values[0] in self.branch_ids:
            (branch_id,) = values
            # Facts of the district's known year (2014) only.
            history = _History(
                [f"2014-{1 + n % 12:02d}-{1 + n % 28:02d}", "held", f"{branch_id}-{n}", {}]
                for n in range(RECORDS)
            )
            self.reads += 1
            self.alive[self.reads] = history
            row = {"owner_id": branch_id, "owner_kind": BRANCH, "district_id": DISTRICT}
            return [{**row, "life_id": f"life-{branch_id}", "history": history}]
        return []

    def distinct(self, table: str, column: str, columns: tuple[str, ...], values: Key) -> list[Any]:
        if table == "view_branch" and column == "branch_id" and values == (DISTRICT,):
            return list(self.branch_ids)
        return [2014] if table == "life_span" and values == (DISTRICT,) else []

    def work_key(self, work_id: str) -> Key | None:
        return None


def test_a_district_whose_years_grow_lets_go_of_each_history(monkeypatch: pytest.MonkeyPatch):
    tables = Tables()
    state = ViewState(tables)
    made: dict[str, int] = {}
    most_alive = [0]
    most_held = [0]

    def refresh_branch(state: ViewState, branch_id: str, history: list[Any], *_: Any) -> None:
        made[branch_id] = len(history)
        state.put("life_span", (branch_id, 2015, "2015-01-01"), {"owner_id": branch_id})
        gc.collect()
        most_alive[0] = max(most_alive[0], len(tables.alive))
        most_held[0] = max(most_held[0], len(state.rows["view_branch"]))

    def spill(state: ViewState) -> None:  # the rebuild's: write what is pending, then trim
        state.take_changes()
        state.trim(BOUND)

    monkeypatch.setattr(life_spans, "refresh_branch", refresh_branch)
    state.spill, state.spill_at = spill, BOUND
    # The page's own branch has the district's first fact of 2015.
    own = tables.branch_ids[0]
    state.put(
        "party_life",
        (f"life-{own}",),
        {
            "life_id": f"life-{own}",
            "owner_id": own,
            "owner_kind": BRANCH,
            "district_id": DISTRICT,
            "history": [["2015-02-03", "held", "e-2015", {}]],
        },
    )
    state.stale_life.add(own)

    life_spans.refresh_life(state)

    # Every branch of the district is recomputed from its own history, the page's own from
    # the row the page changed ...
    assert len(made) == BRANCHES
    assert made[own] == 1
    assert all(made[b] == RECORDS for b in tables.branch_ids[1:])
    assert state.life_years[DISTRICT] == {2014, 2015}
    # ... and what is alive is what the working set holds (its bound, and a spill's rows),
    # not the district's histories:
    assert most_alive[0] <= 2 * BOUND + 2, most_alive[0]
    # The district's branches are named, not held: their rows are read as each is made.
    assert most_held[0] <= 2 * BOUND + 2, most_held[0]
    # each history read once for its years and once for its spans (the page's own is held).
    assert tables.reads == 2 * BRANCHES - 1
