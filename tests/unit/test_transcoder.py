"""The ledger's transcoder writes exactly what the library's writes, and reads it back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.domain.phases import EIGHT_ONES
from taizhang.domain.provenance import Provenance
from taizhang.domain.vocabulary import ALL_VOCABULARIES
from taizhang.ledger import Ledger
from taizhang.store.transcoder import LedgerTranscoder


def registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    # The ledger's own registrations, without opening a store.
    Ledger.register_transcodings(Ledger.__new__(Ledger), transcoder)
    return transcoder


LIBRARY = registered(JSONTranscoder())
LEDGER = registered(LedgerTranscoder())

texts = st.text(max_size=12)
zones = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))]
)
provenances = st.builds(
    Provenance,
    event_id=st.uuids(),
    occurred_on=st.dates(),
    actor=texts.filter(str.strip).filter(lambda t: len(t) <= 200),
    source=texts.filter(str.strip).filter(lambda t: len(t) <= 200),
    client_event_id=st.none() | texts,
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
    | st.uuids()
    | st.dates()
    | st.datetimes(timezones=zones)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | provenances
    | st.sampled_from([member for vocabulary in ALL_VOCABULARIES for member in vocabulary])
    | st.sampled_from(list(EIGHT_ONES.phases))
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(texts, inner, max_size=4)
    ),
    max_leaves=12,
)
states = st.dictionaries(texts, values, max_size=8)


@settings(max_examples=400)
@given(states)
def test_writes_what_the_library_writes(state: dict[str, Any]) -> None:
    written = LEDGER.encode(state)
    assert written == LIBRARY.encode(state)
    assert LEDGER.decode(written) == LIBRARY.decode(written)


def event_state() -> dict[str, Any]:
    return {
        "timestamp": datetime(2026, 12, 2, 8, 0, 0, 1234, tzinfo=UTC),
        "provenance": Provenance(
            UUID("6b6296a9-ecb7-4eae-86fe-976e89c8e2bf"), date(2026, 12, 1), "甲", "乙"
        ),
        "title": '批 "1"\n',
        "description": "",
    }


def test_an_ordinary_event_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: JSONTranscoder, obj: Any) -> bytes:
        raise AssertionError("went to the library's encoder")

    monkeypatch.setattr(JSONTranscoder, "encode", refuse)
    assert LEDGER.encode(event_state()) == (
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T08:00:00.001234+00:00"},'
        b'"provenance":{"_type_":"provenance","_data_":{"event_id":'
        b'"6b6296a9ecb74eae86fe976e89c8e2bf","occurred_on":"2026-12-01","actor":"\xe7\x94\xb2",'
        b'"source":"\xe4\xb9\x99","client_event_id":null}},'
        b'"title":"\xe6\x89\xb9 \\"1\\"\\n","description":""}'
    )


@pytest.mark.parametrize(
    "value",
    [1.5, 2**65, Decimal("1.10"), [date(2026, 1, 1), 0.1], {"a": (1, 2.5)}],
)
def test_what_the_fast_path_cannot_write_goes_the_library_s_way(value: Any) -> None:
    state = {"title": "x", "value": value}
    assert LEDGER.encode(state) == LIBRARY.encode(state)


@pytest.mark.parametrize("client_event_id", [UUID(int=1), datetime(2026, 1, 1), float("nan"), 1e-7])
def test_a_provenance_holding_other_than_text_goes_the_library_s_way(
    client_event_id: Any,
) -> None:
    provenance = Provenance(UUID(int=2), date(2026, 1, 1), "甲", "乙")
    object.__setattr__(provenance, "client_event_id", client_event_id)
    state = {"provenance": provenance}
    assert LEDGER.encode(state) == LIBRARY.encode(state)


def test_circular_and_deep_states_are_the_library_s_to_refuse_or_write() -> None:
    circular: list[Any] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        LEDGER.encode({"value": circular})
    deep: list[Any] = []
    for _ in range(600):
        deep = [deep]
    assert LEDGER.encode({"value": deep}) == LIBRARY.encode({"value": deep})
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(RecursionError):
        LIBRARY.encode({"value": deep})
    with pytest.raises(RecursionError):
        LEDGER.encode({"value": deep})


def test_an_unregistered_type_is_refused_as_the_library_refuses_it() -> None:
    with pytest.raises(TypeError, match="register a custom transcoding"):
        LEDGER.encode({"value": object()})
