"""Events as plain dictionaries: what the audit history, the timeline and the feed show."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from .phases import PhaseDefinition

_STAMP_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "provenance"}
)


def to_plain(value: Any) -> Any:
    """A JSON-ready copy: ids and dates as strings, decimals as strings, vocabularies by key."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PhaseDefinition):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_plain(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value


# Event classes are named inside their aggregate (``District.Registered``). These names
# say nothing on their own, so the aggregate's name goes in front of them.
_NAMES_NEEDING_AGGREGATE = frozenset(
    {
        "Registered",
        "Defined",
        "Listed",
        "Revised",
        "Withdrawn",
        "Renamed",
        "Opened",
        "Issued",
        "ErasureRecorded",
    }
)


def event_type(event: object) -> str:
    """The name an event is posted and filtered by, past tense: ``PlanApproved``,
    ``DistrictRegistered``, ``ProblemListed``."""
    name = type(event).__name__
    if name in _NAMES_NEEDING_AGGREGATE:
        return aggregate_kind(event) + name
    return name


def aggregate_kind(event: object) -> str:
    """``Branch``, ``BranchWork``, ``Problem``… from the event's qualified name."""
    return type(event).__qualname__.split(".")[0]


def event_data(event: object) -> dict[str, Any]:
    values = vars(event)
    return {k: to_plain(v) for k, v in values.items() if k not in _STAMP_FIELDS}


def event_record(event: Any) -> dict[str, Any]:
    provenance = event.provenance
    return {
        "event_id": str(provenance.event_id),
        "type": event_type(event),
        "aggregate_kind": aggregate_kind(event),
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "occurred_on": provenance.occurred_on.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "actor": provenance.actor,
        "source": provenance.source,
        "client_event_id": provenance.client_event_id,
        "data": event_data(event),
    }
