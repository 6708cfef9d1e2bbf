"""Receipts and published checkpoints: every 201 answer names its event's link in the hash
chain, and the office and supervision groups read the signed checkpoints
(docs/EVIDENCE.md)."""

from __future__ import annotations

from taizhang.checkpoints import from_document, load_key, sign_head
from tests.api.conftest import Api
from tests.api.test_writes import meeting, work_path


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
