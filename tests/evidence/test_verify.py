"""``taizhang verify`` finds the first event changed, deleted, inserted or reordered, with its
position, on SQLite and PostgreSQL; a log rewritten with its chain computed again is caught
by an exported checkpoint. The tampering lifts the append-only triggers (0003, 0011) as an
owner or superuser could."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taizhang.cli import main
from taizhang.commands.evidence import verify_log
from taizhang.config import Settings
from taizhang.evidence.chain import GENESIS, id_bytes, link
from taizhang.evidence.checkpoints import (
    CheckpointError,
    as_document,
    load_key,
    read_document,
    sign_head,
)
from taizhang.evidence.verify import Finding, check_tail, walk
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from tests.evidence.helpers import district_events, raw, rowid, store_of, tables

EVENTS = 10


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    upgrade(settings)  # the triggers the tampering has to lift
    found = Ledger(settings)
    for _ in range(EVENTS // 5):
        found.record(district_events(5))
    yield found
    found.close()


def _finding(ledger: Ledger) -> Finding | None:
    return verify_log(ledger, [], progress=False)[1]


def _tamper(ledger: Ledger, *statements: str, params: Any = ()) -> None:
    with raw(ledger.settings) as conn:
        for statement in statements:
            conn.execute(statement, params) if params else conn.execute(statement)


def _shift(ledger: Ledger, start: int, by: int) -> list[str]:
    """Statements renumbering the events from ``start`` on by ``by`` (two steps, so that
    no two rows share an id between them)."""
    events, _, _ = tables(ledger)
    n = rowid(ledger.settings)
    return [
        f"UPDATE {events} SET {n} = {n} + 1000000 WHERE {n} >= {start}",
        f"UPDATE {events} SET {n} = {n} - 1000000 + {by} WHERE {n} >= 1000000",
    ]


def _new_row(ledger: Ledger, position: int) -> tuple[str, tuple[Any, ...]]:
    events, _, _ = tables(ledger)
    oid: Any = uuid.uuid4()
    mark = "%s" if ledger.settings.is_postgres else "?"
    if not ledger.settings.is_postgres:
        oid = oid.hex
    statement = (
        f"INSERT INTO {events} ({rowid(ledger.settings)}, originator_id, originator_version, "
        f"topic, state) VALUES ({', '.join([mark] * 5)})"
    )
    return statement, (position, oid, 1, "taizhang.domain.district:District.Registered", b"{}")


def test_an_untouched_log_is_intact(ledger: Ledger) -> None:
    result, finding = verify_log(ledger, [], progress=False)
    assert finding is None and result.events == EVENTS and result.head == EVENTS


def test_a_changed_byte_is_found_at_its_position(ledger: Ledger) -> None:
    events, _, _ = tables(ledger)
    n = rowid(ledger.settings)
    flip = "set_byte(state, 2, get_byte(state, 2) # 1)" if ledger.settings.is_postgres else None
    if flip is None:  # SQLite: the same byte changed in Python
        (state,) = ledger.recorder.select_notifications(start=4, limit=1)
        changed = bytearray(state.state)
        changed[2] ^= 1
        with raw(ledger.settings) as conn:
            conn.execute(f"UPDATE {events} SET state = ? WHERE {n} = 4", (bytes(changed),))
    else:
        _tamper(ledger, f"UPDATE {events} SET state = {flip} WHERE {n} = 4")
    finding = _finding(ledger)
    assert finding is not None and (finding.kind, finding.position) == ("changed", 4)


def test_a_deleted_event_is_found(ledger: Ledger) -> None:
    events, _, _ = tables(ledger)
    _tamper(ledger, f"DELETE FROM {events} WHERE {rowid(ledger.settings)} = 5")
    finding = _finding(ledger)
    assert finding is not None and (finding.kind, finding.position) == ("deleted", 5)


def test_a_deleted_event_with_the_rest_renumbered_is_found(ledger: Ledger) -> None:
    events, _, _ = tables(ledger)
    _tamper(
        ledger,
        f"DELETE FROM {events} WHERE {rowid(ledger.settings)} = 5",
        *_shift(ledger, 6, -1),
    )
    finding = _finding(ledger)
    assert finding is not None and (finding.kind, finding.position) == ("deleted", 5)


def test_an_event_appended_outside_the_service_is_found(ledger: Ledger) -> None:
    statement, params = _new_row(ledger, EVENTS + 1)
    _tamper(ledger, statement, params=params)
    finding = _finding(ledger)
    assert finding is not None and (finding.kind, finding.position) == ("inserted", EVENTS + 1)


def test_an_event_inserted_with_the_rest_renumbered_is_found(ledger: Ledger) -> None:
    statement, params = _new_row(ledger, 6)
    _tamper(ledger, *_shift(ledger, 6, 1))
    _tamper(ledger, statement, params=params)
    finding = _finding(ledger)
    assert finding is not None and (finding.kind, finding.position) == ("inserted", 6)


def test_two_swapped_events_are_found(ledger: Ledger) -> None:
    events, _, _ = tables(ledger)
    n = rowid(ledger.settings)
    _tamper(
        ledger,
        f"UPDATE {events} SET {n} = 1000003 WHERE {n} = 3",
        f"UPDATE {events} SET {n} = 3 WHERE {n} = 7",
        f"UPDATE {events} SET {n} = 7 WHERE {n} = 1000003",
    )
    finding = _finding(ledger)
    assert finding is not None and (finding.kind, finding.position) == ("reordered", 3)
    assert "position 7" in finding.detail


def test_a_truncated_tail_is_found(ledger: Ledger) -> None:
    events, _, _ = tables(ledger)
    _tamper(ledger, f"DELETE FROM {events} WHERE {rowid(ledger.settings)} >= 8")
    finding = _finding(ledger)
    assert finding is not None and (finding.kind, finding.position) == ("deleted", 8)


def _rehash(ledger: Ledger) -> None:
    """Rewrite the chain from the log as it now stands: what an owner who knows the
    definition can do."""
    _, chain, _ = tables(ledger)
    previous = GENESIS
    rows = []
    for n in ledger.recorder.select_notifications(start=1, limit=1000):
        previous = link(
            previous, n.id, id_bytes(n.originator_id), n.originator_version, n.topic, n.state
        )
        rows.append((n.id, previous))
    mark = "%s" if ledger.settings.is_postgres else "?"
    with raw(ledger.settings) as conn:
        conn.execute(f"DELETE FROM {chain}")
        for row in rows:
            conn.execute(f"INSERT INTO {chain} VALUES ({mark}, {mark})", row)


def _export(ledger: Ledger, path: Path) -> Path:
    checkpoint = sign_head(store_of(ledger), load_key(ledger.settings))
    assert checkpoint is not None
    path.write_text(json.dumps(as_document(checkpoint)))
    return path


def test_a_rewritten_and_rehashed_log_is_caught_by_a_checkpoint(
    ledger: Ledger, tmp_path: Path
) -> None:
    exported = _export(ledger, tmp_path / "checkpoint.json")
    events, _, _ = tables(ledger)
    n = rowid(ledger.settings)
    _tamper(ledger, f"DELETE FROM {events} WHERE {n} = 2")
    _rehash(ledger)
    assert _finding(ledger) is None  # the chain alone cannot tell
    finding = verify_log(ledger, [read_document(exported)], progress=False)[1]
    assert finding is not None and (finding.kind, finding.position) == ("not-extended", EVENTS)


def test_a_log_cut_short_with_its_chain_is_caught_by_a_checkpoint(
    ledger: Ledger, tmp_path: Path
) -> None:
    exported = _export(ledger, tmp_path / "checkpoint.json")
    events, chain, _ = tables(ledger)
    n = rowid(ledger.settings)
    _tamper(
        ledger,
        f"DELETE FROM {events} WHERE {n} >= 9",
        f"DELETE FROM {chain} WHERE notification_id >= 9",
    )
    assert _finding(ledger) is None
    finding = verify_log(ledger, [read_document(exported)], progress=False)[1]
    assert finding is not None and (finding.kind, finding.position) == ("truncated", EVENTS)


def test_a_log_that_grew_still_extends_its_checkpoint(ledger: Ledger, tmp_path: Path) -> None:
    exported = _export(ledger, tmp_path / "checkpoint.json")
    ledger.record(district_events(3))
    result, finding = verify_log(ledger, [read_document(exported)], progress=False)
    assert finding is None and result.events == EVENTS + 3


def test_the_command_exits_0_intact_and_1_not(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    _environment(ledger.settings, monkeypatch)
    exported = tmp_path / "checkpoint.json"
    assert main(["checkpoint", "sign"]) == 0
    assert main(["checkpoint", "export", str(exported)]) == 0
    assert main(["verify", "--quiet", "--checkpoint", str(exported)]) == 0
    events, _, _ = tables(ledger)
    _tamper(ledger, f"DELETE FROM {events} WHERE {rowid(ledger.settings)} = 3")
    capsys.readouterr()
    assert main(["verify", "--quiet"]) == 1
    assert "deleted at position 3" in capsys.readouterr().err


def test_an_altered_checkpoint_file_is_refused(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(ledger.settings, monkeypatch)
    exported = _export(ledger, tmp_path / "checkpoint.json")
    document = json.loads(exported.read_text())
    document["position"] = 3
    exported.write_text(json.dumps(document))
    assert main(["verify", "--quiet", "--checkpoint", str(exported)]) == 1


def _environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", settings.data_dir)


def test_a_log_that_does_not_check_out_is_not_signed(ledger: Ledger) -> None:
    store = store_of(ledger)
    key = load_key(ledger.settings)
    assert sign_head(store, key) is not None
    ledger.record(district_events(2))
    events, _, _ = tables(ledger)
    _tamper(ledger, f"UPDATE {events} SET state = NULL WHERE {rowid(ledger.settings)} = 11")
    with pytest.raises(CheckpointError, match="changed at position 11"):
        sign_head(store, key)
    assert [c.position for c in store.checkpoints_list()] == [EVENTS]


def test_the_quick_check_of_the_newest_events_finds_a_damaged_one(ledger: Ledger) -> None:
    store = store_of(ledger)
    assert check_tail(store, 4) == (EVENTS - 4, None)
    events, _, _ = tables(ledger)
    cut = "substr(state, 1, 5)" if not ledger.settings.is_postgres else "substring(state, 1, 5)"
    _tamper(ledger, f"UPDATE {events} SET state = {cut} WHERE {rowid(ledger.settings)} = 8")
    after, finding = check_tail(store, 4)
    assert after == EVENTS - 4
    assert finding is not None and (finding.kind, finding.position) == ("changed", 8)
    assert check_tail(store, 2) == (EVENTS - 2, None)  # it looks at the newest only


def _post_between_the_reads(ledger: Ledger, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next read of the links first lets another caller's post commit: the events were
    read before it, its link is read after it."""
    links_after = store.links_after
    posted: list[bool] = []

    def racing(position: int, limit: int = 1000) -> Any:
        if not posted:
            posted.append(True)
            ledger.record(district_events(1))
        return links_after(position, limit)

    monkeypatch.setattr(store, "links_after", racing)


def test_a_post_committed_during_a_check_is_not_taken_for_a_deleted_event(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen under load: a checkpoint refused "deleted at position N" on an intact log, N the
    event posted while it checked, and readiness would have said the same."""
    store = store_of(ledger)
    _post_between_the_reads(ledger, store, monkeypatch)
    assert sign_head(store, load_key(ledger.settings)) is not None
    _post_between_the_reads(ledger, store, monkeypatch)
    assert check_tail(store, 4)[1] is None
    _post_between_the_reads(ledger, store, monkeypatch)
    result = walk(store)
    assert result.finding is None and result.head == EVENTS + 2
    # The posts were stored and linked: the next check covers them.
    assert verify_log(ledger, [], progress=False)[1] is None
    assert store.last_position() == EVENTS + 3
