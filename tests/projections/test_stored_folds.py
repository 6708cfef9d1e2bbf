"""Folds of stored events without decoding them give what the decoded events would."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from taizhang.demo import generate
from taizhang.domain.branch_work import BranchWork, branch_work_id
from taizhang.domain.records import event_record
from taizhang.projections.fold import fold, fold_progress, settle, timeline
from taizhang.projections.log import Entry, LogReader
from taizhang.projections.state import ViewState
from tests.projections.scenario import make_district, story

# Row columns that come from the event itself (not the owner lookup or the later marks).
COLUMNS = (
    "aggregate_kind",
    "aggregate_id",
    "version",
    "event_id",
    "type",
    "occurred_on",
    "recorded_at",
    "actor",
    "source",
    "client_event_id",
    "data",
)


def expected(event) -> tuple:
    record = event_record(event)
    return tuple(record[c] for c in COLUMNS)


def event_columns(row) -> tuple:
    """The row's columns from the event, its data parsed (the text's layout is not at stake,
    but its keys are written sorted, so equal data is equal text)."""
    data = row[13]
    assert list(json.loads(data)) == sorted(json.loads(data))
    return (*row[3:13], json.loads(data))


def folded_rows(ledger):
    state, decode = ViewState(), ledger.mapper.to_domain_event
    reader = LogReader(ledger)
    try:
        entries = [entry for page in reader.pages(0) for entry in page]
    finally:
        reader.close()
    for entry in entries:
        timeline.fold_stored(state, entry, decode)
    return entries, state.rows["branch_timeline"]


def demo_log(settings):
    """The story and a demo district (every event type the demo makes): its ledger, and
    the log's entries with the timeline folded from them."""
    d = make_district(settings)
    story(d)
    ledger = d.service.ledger
    generate(ledger, branches=25, progress=False)
    entries, rows = folded_rows(ledger)
    return ledger, entries, rows


def test_every_timeline_row_equals_the_decoded_events_record(settings):
    ledger, entries, rows = demo_log(settings)
    kinds = set()
    for entry in entries:
        event = ledger.mapper.to_domain_event(entry)
        row = rows.get((entry.id,))
        if row is None:
            continue
        kinds.add(row[7])
        assert event_columns(row) == expected(event), entry.topic
    # Corrections, withdrawals, problems and branch events all went through this path.
    assert {"FactCorrected", "FactWithdrawn", "ProblemListed", "BranchRegistered"} <= kinds
    assert len(kinds) > 30


def test_progress_from_stored_events_equals_progress_from_decoded_ones(settings):
    ledger, entries, _ = demo_log(settings)
    decode = ledger.mapper.to_domain_event
    stored, decoded = ViewState(), ViewState()
    for entry in entries:
        fold_progress(stored, entry, decode)
        fold(decoded, "progress", decode(entry), entry.id)
    assert settle(stored) == [] and settle(decoded) == []
    for table in ("branch_progress", "work_fact", "problem_ledger", "progress_span", "phase_span"):
        assert stored.rows[table] == decoded.rows[table], table
    facts = [f for row in stored.rows["branch_progress"].values() for f in row["facts"].values()]
    facts += [row["entry"] for row in stored.rows["work_fact"].values()]
    # Facts with kept fields of every kind went through the stored path.
    kept = {fact[0] for fact in facts if fact[3]}
    assert {"StudySessionHeld", "WorkSystemChanged", "ServiceCommitmentMade"} <= kept


def _decoded_as_of(ledger, entries, known_at=None):
    """The as-of replay as it read the log before it folded stored values: every event
    decoded by the library, filtered on the decoded event."""
    state = ViewState()
    for entry in entries:
        event = ledger.mapper.to_domain_event(entry)
        if known_at is not None and event.timestamp > known_at:
            continue
        fold(state, "progress", event, entry.id)
    settle(state)
    return state


SPANS = ("progress_span", "phase_span", "problem_count_span", "problem_span")


def test_as_of_replays_from_stored_values_equal_replays_of_decoded_events(settings):
    from taizhang.projections.report import replay_as_of

    ledger, entries, _ = demo_log(settings)
    recorded = sorted(ledger.mapper.to_domain_event(e).timestamp for e in entries)
    cases = [{"known_at": recorded[len(recorded) * k // 4]} for k in (1, 2, 3)] + [{}]
    tables = ("branch_progress", "work_fact", "problem_ledger", *SPANS)
    for case in cases:
        fast, reference = replay_as_of(ledger, **case), _decoded_as_of(ledger, entries, **case)
        for table in tables:
            assert fast.rows[table] == reference.rows[table], (case, table)
    early, late = (replay_as_of(ledger, **cases[i]) for i in (0, 2))
    # The cases differ: the earliest knows less than the latest.

    def facts(state):
        return len(state.rows["work_fact"]) + sum(
            len(row["facts"]) for row in state.rows["branch_progress"].values()
        )

    assert 0 < facts(early) < facts(late)


def test_an_event_stored_under_an_old_class_version_is_upcast_first(sqlite_settings):
    d = make_district(sqlite_settings)
    ledger = d.service.ledger
    d.work("MobilizationMeetingHeld", "a", date(2014, 4, 18), participants=9)
    work_id = branch_work_id(d.campaign, d.branches["a"])
    # A study session as version 1 stored it: whole hours, no days.
    event_id = uuid4()
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2014-04-20T08:00:00+00:00"},
        "provenance": {
            "_type_": "provenance",
            "_data_": {
                "event_id": event_id.hex,
                "occurred_on": "2014-04-20",
                "actor": "张书记",
                "source": "test",
                "client_event_id": None,
            },
        },
        "topic": "党章",
        "duration_hours": 3,
        "participants": 7,
    }
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=work_id,
                originator_version=99,
                topic="taizhang.domain.branch_work:BranchWork.StudySessionHeld",
                state=json.dumps(state).encode(),
            )
        ]
    )
    entries, rows = folded_rows(ledger)
    (old,) = [e for e in entries if e.originator_version == 99]
    event = ledger.mapper.to_domain_event(old)
    assert isinstance(event, BranchWork.StudySessionHeld) and event.days == Decimal(1)
    row = rows[(old.id,)]
    assert event_columns(row) == expected(event)
    assert json.loads(row[13]) == {
        "days": "1",
        "hours": "3",
        "participants": 7,
        "topic": "党章",
    }
    progress = ViewState()
    for entry in entries:
        fold_progress(progress, entry, ledger.mapper.to_domain_event)
    key = progress.work_keys[str(work_id)]
    # A study session is only counted: kept whole in work_fact, tallied on its day.
    kept = progress.rows["work_fact"][(*key, event_id.hex)]["entry"]
    assert kept == ["StudySessionHeld", 99, "2014-04-20", {"days": "1"}]
    work = progress.rows["branch_progress"][key]
    assert work["days"]["2014-04-20"] == {"StudySessionHeld": 1, "s:1": 1}


@pytest.mark.parametrize(
    "state, complaint",
    [
        (b"{not json", "Expecting property name"),
        (b'{"provenance": {"_type_": "unheard_of", "_data_": 1}}', "unheard_of"),
        (b"[1, 2]", "JSON object"),
    ],
)
def test_an_unreadable_stored_event_raises_naming_what_is_wrong(state, complaint):
    entry = Entry(1, str(uuid4()), 1, "taizhang.domain.branch:Branch.Registered", state)
    with pytest.raises(ValueError, match=complaint):
        timeline.fold_stored(ViewState(), entry, lambda stored: None)


@pytest.mark.parametrize(
    "data",
    [
        {"employees": 10**25 + 1},
        {"employees": 3, "counted": [{"by": "张", "n": 2**64 + 7}]},
    ],
)
def test_a_number_past_64_bits_stays_exact(data):
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2014-04-20T08:00:00+00:00"},
        "provenance": {
            "_type_": "provenance",
            "_data_": {
                "event_id": uuid4().hex,
                "occurred_on": "2014-04-20",
                "actor": "张书记",
                "source": "test",
                "client_event_id": None,
            },
        },
        **data,
    }
    entry = Entry(
        7, str(uuid4()), 3, "taizhang.domain.branch:Branch.EmployeesCounted", json.dumps(state)
    )
    entry = entry._replace(state=entry.state.encode())
    views = ViewState()
    timeline.fold_stored(views, entry, lambda stored: None)
    row = views.rows["branch_timeline"][(7,)]
    assert json.loads(row[13]) == data
    assert row[7] == "EmployeesCounted" and row[8] == "2014-04-20"
