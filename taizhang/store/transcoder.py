"""The ledger's transcoder: the library's JSON format, written faster for ordinary events.

The library's ``JSONTranscoder`` hands every value JSON cannot hold (a timestamp, a
provenance, an id) to a Python callback from inside ``json``'s encoder: ~18 µs an event,
a fifth of the CPU of a batch of 1,000. Almost every event is a mapping of strings,
numbers and a few such values, so those are converted here in one pass and written by
orjson, byte for byte what the library writes (a property test holds the two to that).
Anything else (floats, whose spelling differs between the two writers, unregistered
types, subclasses that ``json`` writes natively) goes to the library's encoder unchanged.
Decoding is the library's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date
from typing import Any

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)

from taizhang.domain.provenance import Provenance
from taizhang.store.transcodings import DateAsISO, ProvenanceAsDict

# orjson writes integers of up to 64 bits; ``json`` writes any.
_SMALLEST = -(2**63)
_LARGEST = 2**64 - 1


class _NotPlain(Exception):
    """A value the fast path leaves to the library's encoder."""


Writer = Callable[[Any], Any]


class LedgerTranscoder(JSONTranscoder):
    def __init__(self) -> None:
        super().__init__()
        # Per registered type: its transcoding's name, and how to write its data.
        self._writers: dict[type, tuple[str, Writer]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._writers[transcoding.type] = (transcoding.name, _writer(transcoding))

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._plain(obj))
        except (_NotPlain, orjson.JSONEncodeError, RecursionError):
            # The library's encoder also says what is wrong: an unregistered type, a
            # circular reference.
            return super().encode(obj)

    def _plain(self, value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is bool or value is None:
            return value
        if kind is dict:
            # An event's state: its strings are passed on here rather than by a call each.
            out = {}
            for key, item in value.items():
                if type(key) is not str:
                    raise _NotPlain
                out[key] = item if type(item) is str or item is None else self._plain(item)
            return out
        if kind is int:
            if _SMALLEST <= value <= _LARGEST:
                return value
            raise _NotPlain
        if kind is list or kind is tuple:
            return [self._plain(item) for item in value]
        found = self._writers.get(kind)
        if found is None:
            raise _NotPlain
        name, write = found
        return {"_type_": name, "_data_": write(value)}


def _writer(transcoding: Transcoding) -> Writer:
    """How the fast path writes a transcoding's data: what orjson writes of the returned
    value is exactly what ``json`` writes of what the transcoding's ``encode`` returns."""
    known = _KNOWN.get(type(transcoding))
    if known is not None:
        return known
    encode = transcoding.encode
    return lambda value: _native(encode(value))


def _utc_as_is(value: Any) -> Any:
    # orjson writes an aware UTC datetime as isoformat() does, and faster.
    return value if value.tzinfo is UTC else value.isoformat()


def _date_as_is(value: Any) -> Any:
    return value if type(value) is date else value.isoformat()


def _provenance(value: Provenance) -> dict[str, Any]:
    # orjson would write other types as it sees fit; ``json`` would transcode or refuse them.
    client_event_id = value.client_event_id
    if (
        type(value.actor) is not str
        or type(value.source) is not str
        or not (client_event_id is None or type(client_event_id) is str)
    ):
        raise _NotPlain
    return {
        "event_id": value.event_id.hex,
        "occurred_on": _date_as_is(value.occurred_on),
        "actor": value.actor,
        "source": value.source,
        "client_event_id": client_event_id,
    }


_KNOWN: dict[type, Writer] = {
    UUIDAsHex: lambda value: value.hex,
    DatetimeAsISO: _utc_as_is,
    DateAsISO: _date_as_is,
    ProvenanceAsDict: _provenance,
}


def _native(value: Any) -> Any:
    """``value`` if JSON holds it as it is (what another transcoding returned), else
    ``_NotPlain``: anything needing a further transcoding goes the library's way."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int and _SMALLEST <= value <= _LARGEST:
        return value
    if kind is dict and all(type(k) is str for k in value):
        for item in value.values():
            _native(item)
        return value
    if kind is list:
        for item in value:
            _native(item)
        return value
    raise _NotPlain
