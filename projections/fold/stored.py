"""Stored events read as plain values, without decoding them into domain events.

Replays fold every event of the log, and decoding (uuids, dates, provenance and the event
object itself) is most of what they would spend. The folds that run for nearly every event
-- the timeline, and recording a fact of a branch's work or a problem -- need only plain
values: the stored JSON with the transcoder's ``{"_type_", "_data_"}`` wrappers unwrapped
gives exactly what ``taizhang.domain.records.to_plain`` gives for the decoded event (uuids with
hyphens, dates, times and decimals as their text, vocabularies by value).

A stored event is anything with ``id``, ``originator_id``, ``originator_version``,
``topic`` and ``state``: a library ``Notification`` or a ``taizhang.projections.log.Entry``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from eventsourcing.utils import resolve_topic

from taizhang.domain.vocabulary import ALL_VOCABULARIES

# Transcodings whose stored data already is the plain value (see taizhang.store.transcodings and
# the library's defaults); uuids are the one exception, stored as hex without hyphens.
_PLAIN_AS_STORED = frozenset(
    {"date_iso", "datetime_iso", "decimal_str", "provenance", "phase_definition"}
    | {vocabulary.__name__ for vocabulary in ALL_VOCABULARIES}
)

_CLASSES: dict[str, type] = {}


def class_of(topic: str) -> type:
    """The event class a topic names (raises for a topic no class answers to)."""
    cls = _CLASSES.get(topic)
    if cls is None:
        cls = _CLASSES[topic] = resolve_topic(topic)
    return cls


def aggregate_id_of(stored: Any) -> str:
    aggregate_id = stored.originator_id
    return aggregate_id if type(aggregate_id) is str else str(aggregate_id)


def uuid_text(hex_text: str) -> str:
    """``str(UUID(hex_text))``, for the 32 hex digits the transcoder stores."""
    if len(hex_text) != 32:
        raise ValueError(f"not a stored uuid: {hex_text!r}")
    h = hex_text
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _unwrap(d: dict[str, Any]) -> Any:
    """JSON object hook: a transcoded value becomes its plain value, other objects stay."""
    if len(d) == 2 and "_type_" in d and "_data_" in d:
        name = d["_type_"]
        if name == "uuid_hex":
            return uuid_text(d["_data_"])
        if name in _PLAIN_AS_STORED:
            return d["_data_"]
        raise ValueError(f"no plain form for stored values of type {name!r}")
    return d


_decode_plain = json.JSONDecoder(object_hook=_unwrap).decode


class _Inexact(Exception):
    """orjson reads an integer past 64 bits as a float: such an event takes the exact path."""


def _plain(value: Any) -> Any:
    """What ``_unwrap`` would have made of a parsed container, walking down from the top."""
    kind = type(value)
    if kind is list:
        return [_plain(item) if type(item) in _WALKED else item for item in value]
    if kind is float:
        raise _Inexact
    if len(value) == 2 and "_type_" in value and "_data_" in value:
        name, data = value["_type_"], value["_data_"]
        if name == "uuid_hex":
            return uuid_text(data)
        if name == "provenance":  # text and null only (taizhang.store.transcodings)
            return data
        if name in _PLAIN_AS_STORED:
            return _plain(data) if type(data) in _WALKED else data
        raise ValueError(f"no plain form for stored values of type {name!r}")
    return {key: _plain(item) if type(item) in _WALKED else item for key, item in value.items()}


# Walked into: containers, and floats (which stop the walk).
_WALKED = frozenset({dict, list, float})


def load_plain(state: bytes) -> dict[str, Any]:
    """The stored state's attributes as plain values, ``class_version`` included."""
    try:
        values = orjson.loads(state)
        if type(values) is not dict:
            kind = type(values).__name__
            raise ValueError(f"a stored event's state is a JSON object, not {kind}")
        for key, value in values.items():
            kind = type(value)
            if kind is dict and len(value) == 2:
                # Most wrapped values are a uuid or a text stored as its plain value:
                # unwrapped here, without a call per value (replays do this a million times).
                name, data = value.get("_type_"), value.get("_data_")
                if type(data) is str:
                    if name == "uuid_hex":
                        values[key] = uuid_text(data)
                        continue
                    if name in _PLAIN_AS_STORED:
                        values[key] = data
                        continue
                values[key] = _plain(value)
            elif kind in _WALKED:
                values[key] = _plain(value)
        return values  # type: ignore[no-any-return]
    except (orjson.JSONDecodeError, _Inexact):
        # What orjson refuses or may read inexactly, but the library's json module wrote
        # or reads (NaN, lone surrogates, long integers, floats): the exact parser, which
        # also says what is wrong.
        return _decode_plain(bytes(state).decode("utf8"))  # type: ignore[no-any-return]


def plain_values(stored: Any, cls: type) -> dict[str, Any] | None:
    """The stored event's attributes as plain values (``provenance`` a dict with the event
    id as hex, ``timestamp`` ISO text), or None when it was stored under an older class
    version: then only the library knows how to upcast it, and it must be decoded."""
    values = load_plain(stored.state)
    if values.pop("class_version", 1) < getattr(cls, "class_version", 1):
        return None
    return values
