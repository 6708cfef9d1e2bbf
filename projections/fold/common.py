"""Helpers the folds share: plain values, and domain facts rebuilt from their compact form.

A fact is kept in the view state as ``[type, version, occurred_on, extra]``, where ``extra``
holds only the fields the views need. To apply the domain's own rules (``taizhang.domain.progress``,
``BranchWork.commitments``, ``Problem.status``) the compact facts are turned back into
instances of the domain's event classes carrying just those fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from taizhang.domain.records import to_plain
from taizhang.domain.vocabulary import WorkSystemChange

# [type name, originator_version, occurred_on ISO, extra dict | None(, history)]: the history
# (its corrections and withdrawal, fold.dated) is there once it has one.
Compact = list[Any]

_DATES: dict[str, str] = {}


def iso(on: date) -> str:
    """The ISO text of a date, shared between the many facts of the same day."""
    text = on.isoformat()
    return _DATES.setdefault(text, text)


def iso_text(text: str) -> str:
    """``iso`` of a date stored as its ISO text."""
    return _DATES.setdefault(text, text)


class _Provenance(NamedTuple):
    occurred_on: date


_PROVENANCES: dict[str, _Provenance] = {}


# How a kept field goes back to the type the domain's rules expect.
_REVIVE = {
    "days": Decimal,
    "change": WorkSystemChange,
}


def compact(event: Any, fields: tuple[str, ...]) -> Compact:
    extra = {name: to_plain(getattr(event, name)) for name in fields} if fields else None
    return [
        type(event).__name__,
        event.originator_version,
        iso(event.provenance.occurred_on),
        extra,
    ]


def compact_stored(
    name: str, version: int, occurred_on: str, values: dict[str, Any], fields: tuple[str, ...]
) -> Compact:
    """``compact`` of a fact from its stored plain values: the same list."""
    extra = {field: values[field] for field in fields} if fields else None
    return [name, version, iso_text(occurred_on), extra]


def record_correction(entry: Compact, event: Any, fields: tuple[str, ...]) -> None:
    """Keep a FactCorrected beside the fact it corrects, with its own business date: the
    fact stands corrected from that day on (``fold.dated.fact_on``), as ``Fact.corrected``
    would have it."""
    changes: dict[str, Any] = {}
    if "occurred_on" in event.changes:
        on = event.changes["occurred_on"]
        changes["occurred_on"] = iso(on) if isinstance(on, date) else str(on)
    for name in fields:
        if name in event.changes:
            changes[name] = to_plain(event.changes[name])
    _history(entry).append([iso(event.provenance.occurred_on), "c", changes])


def record_withdrawal(entry: Compact, event: Any) -> None:
    """Keep a FactWithdrawn beside the fact: withdrawn from the withdrawal's own date on."""
    _history(entry).append([iso(event.provenance.occurred_on), "w", None])


def _history(entry: Compact) -> list[Any]:
    if len(entry) < 5:
        entry.append([])
    history: list[Any] = entry[4]
    return history


def revive(entry: Compact, classes: dict[str, type]) -> Any:
    """A domain event instance with the compact fact's kept fields (no validation)."""
    name, version, on, extra = entry[:4]
    fact = object.__new__(classes[name])
    values = fact.__dict__
    # Shared by the facts of a day (immutable): settling revives every fact of the views.
    provenance = _PROVENANCES.get(on)
    if provenance is None:
        provenance = _PROVENANCES[on] = _Provenance(date.fromisoformat(on))
    values["provenance"] = provenance
    values["originator_version"] = version
    if extra:
        for field, value in extra.items():
            revive_value = _REVIVE.get(field)
            values[field] = revive_value(value) if revive_value and value is not None else value
    return fact


def flag(value: bool) -> int:
    return 1 if value else 0
