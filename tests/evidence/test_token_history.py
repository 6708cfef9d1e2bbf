"""Token lifecycle as evidence: creating, rotating and revoking API tokens are recorded with
who, when and why, in a hash-chained history that `taizhang verify` walks, so the audit
history shows who could act when and an edited history is named. On both databases."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.api import auth
from taizhang.api.auth import TokenStore
from taizhang.cli import main
from taizhang.config import Settings
from taizhang.evidence import token_chain
from taizhang.migrate import upgrade
from tests.evidence.helpers import raw


@pytest.fixture
def store(settings: Settings) -> Any:
    upgrade(settings)
    made = TokenStore(settings)
    yield made
    made.close()


def _history(store: TokenStore) -> tuple[int, token_chain.TokenFinding | None]:
    return token_chain.walk(store.history(links=True))


def test_created_rotated_and_revoked_tokens_form_one_chained_history(store: TokenStore) -> None:
    """Issue 19: "creating, changing and revoking credentials are recorded with who, when
    and why, and covered by the chain"."""
    district = auth.uuid4()
    first, _ = store.create("oa-1", "integrator", district_id=district, committee_ids=[district])
    token, rotated = store.rotate("oa-1", "oa-2", by="operator:test", reason="yearly rotation")
    assert store.lookup(first) is None
    found = store.lookup(token)
    assert found is not None and found.name == "oa-2" and found.role == "integrator"
    assert found.committee_ids == frozenset({district}) and found.source == "oa-1"
    store.revoke("oa-2", by="operator:test", reason="integration ended")
    history = store.history()
    assert [(h["action"], h["token_name"]) for h in history] == [
        ("created", "oa-1"),
        ("rotated", "oa-2"),
        ("revoked", "oa-1"),
        ("revoked", "oa-2"),
    ]
    old_id = history[0]["token_id"]
    assert history[1]["reason"] == f"replaces {old_id}: yearly rotation"
    assert history[2]["reason"] == f"rotated to {rotated.id}: yearly rotation"
    assert {h["actor"] for h in history[1:]} == {"operator:test"}
    assert _history(store) == (4, None)
    with pytest.raises(auth.InvalidValue, match="no live token"):
        store.rotate("oa-1", "oa-3")


@pytest.mark.parametrize("how", ["changed", "deleted"])
def test_an_edited_token_history_is_named_by_verify(
    store: TokenStore, settings: Settings, how: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    for name in ("office-1", "office-2", "office-3"):
        store.create(name, "office", district_id=auth.uuid4(), reason="new office")
    statement = {
        "changed": "UPDATE api_token_events SET actor = 'someone else' WHERE position = 2",
        "deleted": "DELETE FROM api_token_events WHERE position = 2",
    }[how]
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", settings.data_dir)
    assert main(["verify", "--quiet"]) == 0
    with raw(settings) as conn:
        conn.execute(statement)
    count, finding = _history(store)
    # A changed row is named where it is; a deleted one where the next no longer fits.
    assert finding is not None and (count, finding.position) == (1, {"changed": 2}.get(how, 3))
    capsys.readouterr()
    assert main(["verify", "--quiet"]) == 1
    assert "token history at position" in capsys.readouterr().err


def test_the_migration_chains_the_history_recorded_before(settings: Settings) -> None:
    """Upgrading an existing history: the rows recorded before get their links, in order."""
    upgrade(settings, "0015")
    old = TokenStore(settings)
    try:
        with old._cursor() as cur:
            for n in (1, 2):
                cur.execute(
                    "INSERT INTO api_token_events (recorded_at, action, token_id, token_name,"
                    f" role, actor, reason) VALUES ('2014-05-0{n}', 'created', 't{n}',"
                    f" 'n{n}', 'office', 'operator:old', 'before')"
                )
    finally:
        old.close()
    upgrade(settings)
    store = TokenStore(settings)
    try:
        store.create("office-new", "office", district_id=auth.uuid4())
        assert _history(store) == (3, None)
    finally:
        store.close()
