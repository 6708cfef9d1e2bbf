"""Fold of the branch timeline: every event of a branch, its work and its problems, in order.

The timeline is as long as the log, so it is folded from the stored event's JSON without
decoding it into a domain event: the transcoder's ``{"_type_", "_data_"}`` wrappers are
unwrapped to the plain values ``domain.records.to_plain`` would give (uuids with hyphens,
dates, times and decimals as their text, vocabularies by value), which yields the same row
as ``event_record`` of the decoded event at a fraction of the cost. Events stored under an
older class version are decoded (and upcast) by the library instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from eventsourcing.utils import resolve_topic

from domain.branch import Branch
from domain.branch_work import BranchWork
from domain.problem import Problem
from domain.records import aggregate_kind, event_type, to_plain
from projections.state import ViewState

TIMELINE = "branch_timeline"
OWNERS = "timeline_owner"
_STAMP_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "provenance"}
)
# Transcodings whose stored data already is the plain value (see taizhang.transcodings and
# the library's defaults); uuids are the one exception, stored as hex without hyphens.
_PLAIN_AS_STORED = {"date_iso", "datetime_iso", "decimal_str", "provenance", "phase_definition"}

# What a timeline row needs of an event's class: (kind, type, owner role, mark).
_BRANCH, _CREATES, _MEMBER = "branch", "creates", "member"


class _Topic(NamedTuple):
    cls: type
    aggregate_kind: str
    event_type: str
    role: str  # _BRANCH, _CREATES or _MEMBER
    mark: str | None  # corrected | withdrawn_fact | withdrawn_problem
    class_version: int


_TOPICS: dict[str, _Topic | None] = {}


def _uuid_text(hex_text: str) -> str:
    if len(hex_text) != 32:
        raise ValueError(f"not a stored uuid: {hex_text!r}")
    h = hex_text
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _plain_names() -> frozenset[str]:
    from domain.vocabulary import ALL_VOCABULARIES

    return frozenset(_PLAIN_AS_STORED | {v.__name__ for v in ALL_VOCABULARIES})


_PLAIN = _plain_names()


def _unwrap(d: dict[str, Any]) -> Any:
    """JSON object hook: a transcoded value becomes its plain value, other objects stay."""
    if len(d) == 2 and "_type_" in d and "_data_" in d:
        name = d["_type_"]
        if name == "uuid_hex":
            return _uuid_text(d["_data_"])
        if name in _PLAIN:
            return d["_data_"]
        raise ValueError(f"no plain form for stored values of type {name!r}")
    return d


_decode_plain = json.JSONDecoder(object_hook=_unwrap).decode
_encode_data = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=to_plain).encode


def _topic(topic: str) -> _Topic | None:
    """The class facts a timeline row needs, once per topic; None for events it leaves out."""
    try:
        return _TOPICS[topic]
    except KeyError:
        pass
    cls = resolve_topic(topic)
    if issubclass(cls, Branch.Event):
        role = _BRANCH
    elif cls in (BranchWork.Opened, Problem.Listed):
        role = _CREATES
    elif issubclass(cls, (BranchWork.Event, Problem.Event)):
        role = _MEMBER
    else:
        _TOPICS[topic] = None
        return None
    if issubclass(cls, (BranchWork.FactCorrected, Problem.FactCorrected)):
        mark: str | None = "corrected"
    elif issubclass(cls, (BranchWork.FactWithdrawn, Problem.FactWithdrawn)):
        mark = "withdrawn_fact"
    elif issubclass(cls, Problem.Withdrawn):
        mark = "withdrawn_problem"
    else:
        mark = None
    example = object.__new__(cls)
    info = _Topic(
        cls,
        aggregate_kind(example),
        event_type(example),
        role,
        mark,
        getattr(cls, "class_version", 1),
    )
    _TOPICS[topic] = info
    return info


def _plain_state(stored: Any, info: _Topic, decode: Callable[[Any], Any]) -> dict[str, Any]:
    """The stored event's attributes as plain values, upcast if stored under an old version."""
    values: dict[str, Any] = _decode_plain(stored.state.decode("utf8"))
    if values.pop("class_version", 1) >= info.class_version:
        return values
    event = decode(stored)
    provenance = event.provenance
    values = {k: to_plain(v) for k, v in vars(event).items() if k not in _STAMP_FIELDS}
    values["timestamp"] = event.timestamp.isoformat()
    values["provenance"] = {
        "event_id": provenance.event_id.hex,
        "occurred_on": provenance.occurred_on.isoformat(),
        "actor": provenance.actor,
        "source": provenance.source,
        "client_event_id": provenance.client_event_id,
    }
    return values


def fold_stored(state: ViewState, stored: Any, decode: Callable[[Any], Any]) -> None:
    """Fold one stored event (``id``, ``originator_id``, ``originator_version``, ``topic``,
    ``state``) into the timeline; ``decode`` turns it into a domain event when it must be
    upcast."""
    info = _topic(stored.topic)
    if info is None:
        return
    aggregate_id = stored.originator_id
    if type(aggregate_id) is not str:
        aggregate_id = str(aggregate_id)
    # Read before asking whose it is: an unreadable event is a dead letter even if the
    # timeline would have left it out.
    values = _plain_state(stored, info, decode)
    owners = state.rows[OWNERS]
    role = info.role
    if role == _MEMBER:
        owner = owners.get((aggregate_id,))
        if owner is None:
            return
    provenance = values.pop("provenance")
    event_id = _uuid_text(provenance["event_id"])
    if role == _BRANCH:
        branch_id, campaign_id = aggregate_id, None
    elif role == _CREATES:
        branch_id, campaign_id = values["branch_id"], values["campaign_id"]
        # The event that created the aggregate: withdrawing a whole problem marks it.
        state.put(
            OWNERS,
            (aggregate_id,),
            {
                "aggregate_id": aggregate_id,
                "branch_id": branch_id,
                "campaign_id": campaign_id,
                "created_by": event_id,
            },
        )
    else:
        branch_id, campaign_id = owner["branch_id"], owner["campaign_id"]
    recorded_at = values.pop("timestamp")
    values.pop("originator_topic", None)
    position = stored.id
    # A tuple in the table's column order: the database layer writes it as it is.
    state.put(
        TIMELINE,
        (position,),
        (
            position,
            branch_id,
            campaign_id,
            info.aggregate_kind,
            aggregate_id,
            stored.originator_version,
            event_id,
            info.event_type,
            provenance["occurred_on"],
            recorded_at,
            provenance["actor"],
            provenance["source"],
            provenance["client_event_id"],
            _encode_data(values),
            None,
            None,
        ),
    )
    mark = info.mark
    if mark == "corrected":
        state.timeline_marks.append(("corrected_by", values["corrects"], event_id))
    elif mark == "withdrawn_fact":
        state.timeline_marks.append(("withdrawn_by", values["withdraws"], event_id))
    elif mark == "withdrawn_problem":
        owner_row = owners.get((aggregate_id,))
        if owner_row is not None:
            state.timeline_marks.append(("withdrawn_by", owner_row["created_by"], event_id))
