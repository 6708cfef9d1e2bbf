"""Signed checkpoints cover who could act when: beside the log's head, a checkpoint signs
the heads of the token history and of the accounts' history, and `taizhang verify
--checkpoint FILE` proves both still extend it. A row changed or deleted, a history rewritten
with its links computed again, or its tail cut off, is named. On both databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taizhang.api import auth
from taizhang.api.auth import TokenStore
from taizhang.cli import main
from taizhang.config import Settings
from taizhang.evidence import token_chain
from taizhang.evidence.checkpoints import FORMAT_V2, as_document, from_document, load_key, sign_head
from taizhang.evidence.side_heads import ACCOUNTS, TOKENS, heads_of
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from tests.evidence.helpers import district_events, raw, store_of


def _account_event(settings: Settings, n: int) -> None:
    with raw(settings) as conn:
        conn.execute(
            "INSERT INTO account_events (recorded_at, action, account_id, login, district_id,"
            f" actor, reason) VALUES ('2026-12-0{n}T00:00:00Z', 'created', 'a{n}', 'login{n}',"
            f" 'd1', 'office', 'new clerk {n}')"
        )


def _token(settings: Settings, name: str) -> None:
    store = TokenStore(settings)
    try:
        store.create(name, "office", district_id=auth.uuid4(), reason="new office")
    finally:
        store.close()


@pytest.fixture
def exported(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A log, three tokens and three account events, a checkpoint signed and exported;
    then one more of each, which the checkpoint does not cover."""
    upgrade(settings)
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", settings.data_dir)
    ledger = Ledger(settings)
    try:
        ledger.record(district_events(3))
        for n in (1, 2, 3):
            _token(settings, f"office-{n}")
            _account_event(settings, n)
        checkpoint = sign_head(store_of(ledger), load_key(settings), settings=settings)
    finally:
        ledger.close()
    assert checkpoint is not None
    document = as_document(checkpoint)
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _token(settings, "office-4")
    _account_event(settings, 4)
    return path, document


def _verify(path: Path, capsys: Any) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["verify", "--quiet", "--checkpoint", str(path)])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(lines[-1])


def test_a_checkpoint_signs_the_credential_histories_heads(
    exported: tuple[Path, dict[str, Any]], capsys: Any
) -> None:
    """Issue 19: "creating, changing and revoking credentials are recorded with who, when
    and why, and covered by the chain"."""
    path, document = exported
    assert document["format"] == FORMAT_V2
    heads = heads_of(document["heads"])
    assert (heads[TOKENS].rows, heads[ACCOUNTS].rows) == (3, 3)
    # The heads are signed: changed in the document, the signature no longer holds.
    forged = {**document, "heads": document["heads"].replace('"rows":3', '"rows":2', 1)}
    with pytest.raises(Exception, match="signature"):
        from_document(forged)
    # The histories grew after it was signed: they still extend it.
    code, answer = _verify(path, capsys)
    assert code == 0 and answer["intact"] and answer["token_history"] == 4, answer


def _relink_tokens(conn: Any) -> None:
    """The token history's links computed again over its rows as they now are."""
    rows = conn.execute(
        "SELECT position, recorded_at, action, token_id, token_name, role, actor, reason"
        " FROM api_token_events ORDER BY position"
    ).fetchall()
    previous = token_chain.GENESIS
    names = ("position", *token_chain.FIELDS)
    for row in rows:
        values = dict(zip(names, row, strict=True))
        previous = token_chain.link(previous, values)
        mark = "%s" if not hasattr(conn, "total_changes") else "?"
        conn.execute(
            f"UPDATE api_token_events SET link = {mark} WHERE position = {mark}",
            (previous, values["position"]),
        )


TAMPERING = {
    # what was done: (statements, the history named, the finding, its row)
    "token changed": (
        ["UPDATE api_token_events SET actor = 'someone else' WHERE position = 2"],
        TOKENS,
        "changed",
        2,
    ),
    "token deleted, history re-linked": (
        ["DELETE FROM api_token_events WHERE position = 2", "relink"],
        TOKENS,
        "not-extended",
        3,
    ),
    "token tail cut, history re-linked": (
        ["DELETE FROM api_token_events WHERE position >= 2"],
        TOKENS,
        "truncated",
        3,
    ),
    "account event changed": (
        ["UPDATE account_events SET actor = 'someone else' WHERE position = 2"],
        ACCOUNTS,
        "not-extended",
        3,
    ),
    "account event deleted": (
        ["DELETE FROM account_events WHERE position = 1"],
        ACCOUNTS,
        "not-extended",
        3,
    ),
    "account events cut": (
        ["DELETE FROM account_events WHERE position >= 3"],
        ACCOUNTS,
        "truncated",
        3,
    ),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_an_edited_credential_history_no_longer_extends_the_checkpoint(
    exported: tuple[Path, dict[str, Any]], settings: Settings, capsys: Any, how: str
) -> None:
    path, document = exported
    statements, history, finding, row = TAMPERING[how]
    with raw(settings) as conn:
        for statement in statements:
            if statement == "relink":
                _relink_tokens(conn)
            else:
                conn.execute(statement)
    code, answer = _verify(path, capsys)
    assert code == 1
    assert (answer["kind"], answer.get("finding", "changed"), answer["position"]) == (
        history,
        finding,
        row,
    ), answer
