"""Receipts and published checkpoints: every 201 answer names its event's link in the hash
chain, and the office and supervision groups read the signed checkpoints
(docs/EVIDENCE.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taizhang.cli import main
from taizhang.evidence.checkpoints import from_document, key_id, load_key, public_bytes, sign_head
from tests.api.conftest import Api
from tests.api.test_writes import meeting, work_path
from tests.evidence.helpers import raw, rowid, tables


def test_a_201_answer_carries_its_events_link_in_the_chain(api: Api) -> None:
    body = api.ok(
        api.event(work_path(api), "MobilizationMeetingHeld", meeting(), who="integrator_b1")
    )
    ledger = api.app.extensions["taizhang"].ledger
    stored = ledger.chain_store().link_at(body["position"])
    assert stored is not None and body["chain_hash"] == stored.hex()


def test_the_office_and_supervisors_read_signed_checkpoints(api: Api) -> None:
    runtime = api.app.extensions["taizhang"]
    store = runtime.ledger.chain_store()
    signed = sign_head(store, load_key(runtime.settings))
    assert signed is not None
    for who in ("office", "supervisor_group", "admin"):
        response = api.get("/api/v1/checkpoints", who)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        (item,) = body["items"]
        assert from_document(item).position == signed.position  # the signature holds
        assert body["head"]["position"] >= signed.position
    for who in ("integrator_b1", "committee_c1"):
        response = api.get("/api/v1/checkpoints", who)
        assert response.status_code == 403
        assert response.get_json()["errors"][0]["rule"] == "checkpoint_reader"


def _cut_short(api: Api, position: int) -> None:
    """Cut a stored event's bytes short, as a damaged disk or a careless repair would."""
    settings = api.app.extensions["taizhang"].settings
    ledger = api.app.extensions["taizhang"].ledger
    events, _, _ = tables(ledger)
    cut = "substring(state, 1, 7)" if settings.is_postgres else "substr(state, 1, 7)"
    with raw(settings) as conn:
        conn.execute(f"UPDATE {events} SET state = {cut} WHERE {rowid(settings)} = {position}")


def test_a_damaged_event_is_marked_in_the_feed_and_reported_not_served_as_a_500(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    body = api.ok(
        api.event(work_path(api), "MobilizationMeetingHeld", meeting(), who="integrator_b1")
    )
    damaged = body["position"]
    api.ok(api.event(work_path(api), "MobilizationMeetingHeld", meeting(13), who="integrator_b1"))
    _cut_short(api, damaged)
    for who in ("admin", "office", "integrator_b1"):
        response = api.get(f"/api/v1/feed?after={damaged - 3}&limit=100", who)
        assert response.status_code == 200, response.get_json()
        items = response.get_json()["items"]
        marked = [i for i in items if i["position"] == damaged]
        assert marked and marked[0]["damaged"] is True
        assert any(i["position"] > damaged for i in items)  # the rest of the log answers
    work = f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}"
    state = api.get(work, "admin")  # the resource it belongs to: a problem, not a 500
    assert state.status_code == 409 and state.get_json()["type"].endswith("damaged-event")
    ready = api.get("/readyz", None)
    assert ready.status_code == 200
    log = ready.get_json()["checks"]["log"]
    assert (log["intact"], log["kind"], log["position"]) == (False, "changed", damaged)
    settings = api.app.extensions["taizhang"].settings
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", settings.data_dir)
    capsys.readouterr()
    assert main(["projections", "status"]) == 1
    status = json.loads(capsys.readouterr().out)
    assert (status["log"]["kind"], status["log"]["position"]) == ("changed", damaged)
    assert main(["verify", "--quiet"]) == 1
    assert f"changed at position {damaged}" in capsys.readouterr().err


def _offline_checks() -> dict[str, Any]:
    """The offline checks exactly as docs/EVIDENCE.md gives them."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "EVIDENCE.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    found: dict[str, Any] = {}
    exec(compile(code, "docs/EVIDENCE.md", "exec"), found)  # noqa: S102 - our own docs
    return found


def test_a_receipt_and_two_checkpoints_check_out_offline_and_fail_when_tampered(
    api: Api,
) -> None:
    runtime = api.app.extensions["taizhang"]
    store = runtime.ledger.chain_store()
    key = load_key(runtime.settings)
    trusted = key_id(public_bytes(key))
    checks = _offline_checks()
    receipt = api.ok(
        api.event(work_path(api), "MobilizationMeetingHeld", meeting(), who="integrator_b1")
    )
    pending = api.get(f"/api/v1/checkpoints/inclusion?position={receipt['position']}", "admin")
    assert pending.status_code == 409  # no checkpoint covers it yet
    api.ok(api.event(work_path(api), "MobilizationMeetingHeld", meeting(14), who="integrator_b1"))
    first = sign_head(store, key)
    api.ok(api.event(work_path(api), "MobilizationMeetingHeld", meeting(15), who="integrator_b1"))
    second = sign_head(store, key)
    assert first is not None and second is not None and first.position < second.position

    proof = api.get(f"/api/v1/checkpoints/inclusion?position={receipt['position']}", "admin")
    assert proof.status_code == 200, proof.get_json()
    checks["check_inclusion"](receipt, proof.get_json(), trusted)
    query = f"first={first.position}&second={second.position}"
    consistency = api.get(f"/api/v1/checkpoints/consistency?{query}", "integrator_b1")
    assert consistency.status_code == 200, consistency.get_json()
    checks["check_consistency"](consistency.get_json(), trusted)
    with pytest.raises(AssertionError, match="not the key you trust"):
        checks["check_consistency"](consistency.get_json(), "0" * 16)

    # An event between the receipt's and the checkpoint is changed: the proofs no longer hold.
    _cut_short(api, receipt["position"] + 1)
    tampered = api.get(f"/api/v1/checkpoints/inclusion?position={receipt['position']}", "admin")
    with pytest.raises(AssertionError, match="not in the checkpoint"):
        checks["check_inclusion"](receipt, tampered.get_json(), trusted)
    _cut_short(api, second.position)
    tampered = api.get(f"/api/v1/checkpoints/consistency?{query}", "admin")
    with pytest.raises(AssertionError, match="does not extend"):
        checks["check_consistency"](tampered.get_json(), trusted)


def test_proof_requests_name_what_is_wrong(sqlite_api: Api) -> None:
    api = sqlite_api
    for query, status in (
        ("position=999999", 404),
        ("position=0", 422),
        ("position=x", 422),
        ("", 422),
    ):
        response = api.get(f"/api/v1/checkpoints/inclusion?{query}", "admin")
        assert response.status_code == status, (query, response.get_json())
    response = api.get("/api/v1/checkpoints/consistency?first=5&second=3", "admin")
    assert response.status_code == 422
    response = api.get("/api/v1/checkpoints/consistency?first=1&second=3", "admin")
    assert response.status_code == 404
