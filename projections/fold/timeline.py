"""Fold of the branch timeline: every event of a branch, its work and its problems, in order.

The timeline is as long as the log, so it is folded from the stored event's JSON without
decoding it into a domain event: the transcoder's ``{"_type_", "_data_"}`` wrappers are
unwrapped to the plain values ``taizhang.domain.records.to_plain`` would give (uuids with hyphens,
dates, times and decimals as their text, vocabularies by value), which yields the same row
as ``event_record`` of the decoded event at a fraction of the cost. Events stored under an
older class version are decoded (and upcast) by the library instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson

from taizhang.domain.branch import Branch
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.problem import Problem
from taizhang.domain.records import aggregate_kind, event_type, to_plain
from taizhang.projections.fold.stored import aggregate_id_of, class_of, load_plain, uuid_text
from taizhang.projections.state import ViewState
from taizhang.projections.store import copy_line

TIMELINE = "branch_timeline"
OWNERS = "timeline_owner"
_STAMP_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "provenance"}
)

# What a timeline row needs of an event's class: (kind, type, owner role, mark).
_BRANCH, _CREATES, _MEMBER = "branch", "creates", "member"


class _Topic(NamedTuple):
    cls: type
    aggregate_kind: str
    event_type: str
    role: str  # _BRANCH, _CREATES or _MEMBER
    mark: str | None  # corrected | withdrawn_fact | withdrawn_problem
    class_version: int  # events stored under an older one are upcast by the library


_TOPICS: dict[str, _Topic | None] = {}
_UNSEEN: Any = object()
_encode_slowly = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=to_plain).encode


def _encode_data(values: dict[str, Any]) -> str:
    """The event's data as JSON text with sorted keys (compact, UTF-8)."""
    try:
        return orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:  # integers past 64 bits, lone surrogates
        return _encode_slowly(values)  # type: ignore[no-any-return]


def _copy_line(row: tuple[Any, ...]) -> str:
    """``store.copy_line`` of a timeline row as the fold makes it, without its per-field
    dispatch: text but for the position and the version, the marks not yet known (null);
    any other row takes ``copy_line`` itself."""
    (position, branch_id, campaign_id, kind, aggregate_id, version, event_id, event_type,
     occurred_on, recorded_at, actor, source, client_event_id, data, corrected_by,
     withdrawn_by) = row  # fmt: skip
    nulls = 2 + (campaign_id is None) + (client_event_id is None)
    if (
        corrected_by is None
        and withdrawn_by is None
        and type(position) is int
        and type(version) is int
        and type(branch_id) is str
        and type(aggregate_id) is str
        and type(occurred_on) is str
        and type(recorded_at) is str
        and type(actor) is str
        and type(source) is str
        and (campaign_id is None or type(campaign_id) is str)
        and (client_event_id is None or type(client_event_id) is str)
    ):
        line = (
            f"{position}\t{branch_id}\t{_NULL if campaign_id is None else campaign_id}\t"
            f"{kind}\t{aggregate_id}\t{version}\t{event_id}\t{event_type}\t{occurred_on}\t"
            f"{recorded_at}\t{actor}\t{source}\t"
            f"{_NULL if client_event_id is None else client_event_id}\t{data}\t\\N\t\\N"
        )
        # Each null brings one backslash and each separator one tab: a line with more
        # holds something to escape, field by field.
        if (
            line.count("\\") == nulls
            and line.count("\t") == 15
            and "\n" not in line
            and "\r" not in line
        ):
            return line
    return copy_line(row)


_NULL = "\\N"


def _topic(topic: str) -> _Topic | None:
    """The class facts a timeline row needs, once per topic; None for events it leaves out."""
    try:
        return _TOPICS[topic]
    except KeyError:
        pass
    cls = class_of(topic)
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
    values = load_plain(stored.state)
    if values.pop("class_version", 1) >= info.class_version:
        return values
    # Stored under an older class version: decoded (and upcast) by the library.
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
    info = _TOPICS.get(stored.topic, _UNSEEN)
    if info is _UNSEEN:
        info = _topic(stored.topic)
    if info is None:
        return
    aggregate_id = aggregate_id_of(stored)
    # Read before asking whose it is: an unreadable event is a dead letter even if the
    # timeline would have left it out.
    values = _plain_state(stored, info, decode)
    role = info.role
    if role == _MEMBER:
        owner = state.get(OWNERS, (aggregate_id,))
        if owner is None:
            return
    provenance = values.pop("provenance")
    event_id = uuid_text(provenance["event_id"])
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
    # (``state.put``, inline: this runs for every event of the log.)
    key = (position,)
    row = (
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
    )
    state.rows[TIMELINE][key] = _copy_line(row) if state.copy_lines else row
    state.changed[TIMELINE].add(key)
    mark = info.mark
    if mark == "corrected":
        state.timeline_marks.append(("corrected_by", values["corrects"], event_id))
    elif mark == "withdrawn_fact":
        state.timeline_marks.append(("withdrawn_by", values["withdraws"], event_id))
    elif mark == "withdrawn_problem":
        owner_row = state.get(OWNERS, (aggregate_id,))
        if owner_row is not None:
            state.timeline_marks.append(("withdrawn_by", owner_row["created_by"], event_id))
