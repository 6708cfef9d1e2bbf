"""Aggregates and events as JSON, with display labels for vocabulary values."""

from __future__ import annotations

from typing import Any

from taizhang.domain.base import Facts
from taizhang.domain.coverage_rules import RULES
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.problem import Problem
from taizhang.domain.records import event_record, to_plain
from taizhang.domain.vocabulary import Labelled

# Library bookkeeping on every aggregate that is not part of its state.
_INTERNAL = {"_id", "_version", "_created_on", "_modified_on", "_pending_events"}


def record(event: Any) -> dict[str, Any]:
    """An event as the audit history and the feed show it, with correction links."""
    found = event_record(event)
    data = found["data"]
    if "corrects" in data:
        found["corrects"] = data["corrects"]
    if "withdraws" in data:
        found["withdraws"] = data["withdraws"]
    return found


def labels_of(values: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for key, value in values.items():
        if isinstance(value, Labelled):
            found[key] = {"zh": value.zh, "en": value.en}
    return found


def state(aggregate: Any) -> dict[str, Any]:
    """An aggregate's current state: its fields, and its facts as they now stand."""
    values = {k: v for k, v in vars(aggregate).items() if k not in _INTERNAL}
    body: dict[str, Any] = {
        "id": str(aggregate.id),
        "kind": type(aggregate).__name__,
        "version": aggregate.version,
        "created_at": aggregate.created_on.isoformat(),
        "modified_at": aggregate.modified_on.isoformat(),
    }
    labels = labels_of(values)
    for key, value in values.items():
        if key.startswith("_"):
            continue
        if isinstance(value, Facts):
            body[key] = [
                record(f)
                for f in sorted(value.current.values(), key=lambda f: f.originator_version)
            ]
            body["withdrawn_facts"] = sorted(str(e) for e in value.withdrawn)
        else:
            body[key] = to_plain(value)
    if isinstance(aggregate, Problem):
        status = aggregate.status()
        body["status"] = status.value
        labels["status"] = {"zh": status.zh, "en": status.en}
    if isinstance(aggregate, HostOrganization):
        # The seeds' rules it breaks now, each with its seed and words (the rule of a joint
        # organization's units together is the coverage views').
        body["advisories"] = [
            {"rule": key, "seed": RULES[key].seed, "quote": RULES[key].quote}
            for key in aggregate.advisories
        ]
    if "phases" in body:
        for phase in body["phases"]:
            phase["labels"] = {"zh": phase["name_zh"], "en": phase["name_en"]}
    body["labels"] = labels
    return body
