"""Joint mobilization meetings: the branch that held one keeps the fact, and each branch it
names reads it from there, so that it counts for all of them (``fold.work``)."""

from __future__ import annotations

from typing import Any

from taizhang.projections.fold.common import Compact
from taizhang.projections.state import Key, ViewState

# A joint mobilization meeting counts for every branch it names (seed 000 §三(三)
# "按就近就便原则集中召开动员会"): the host keeps the fact, each guest's progress
# reads it from there (``ViewState.joint_guests``).
_JOINT = "MobilizationMeetingHeld"


def index_joint(
    state: ViewState, key: Key, event_hex: str, entry: Compact, *, refresh: bool = True
) -> None:
    """Note the branches a host's joint meeting counts for, and mark them for refreshing."""
    if entry[0] != _JOINT or not entry[3]:
        return
    for guest in entry[3].get("joint_with") or ():
        guest_key = (key[0], guest)
        state.joint_guests[guest_key].add((key, event_hex))
        if refresh:
            state.stale_works.add(guest_key)


def joint_changed(state: ViewState, key: Key, entry: Compact) -> None:
    if entry[0] == _JOINT and entry[3]:
        state.stale_works.update((key[0], guest) for guest in entry[3].get("joint_with") or ())


def index_joint_meetings(state: ViewState, key: Key) -> None:
    """``index_joint`` for every fact of a progress row loaded from its table."""
    for event_hex, entry in state.rows["branch_progress"][key]["facts"].items():
        index_joint(state, key, event_hex, entry, refresh=False)


def work_facts(state: ViewState, key: Key, row: dict[str, Any]) -> dict[str, Compact]:
    """A work's own facts, and the joint meetings other branches held with it."""
    guests = state.joint_guests.get(key)
    if not guests:
        return row["facts"]  # type: ignore[no-any-return]
    facts = dict(row["facts"])
    for host_key, event_hex in sorted(guests):
        host = state.get("branch_progress", host_key)
        entry = host["facts"].get(event_hex) if host is not None else None
        if entry is not None:
            facts[event_hex] = entry
    return facts
