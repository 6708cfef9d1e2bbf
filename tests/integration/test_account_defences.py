"""Accounts the office makes: the database keeps their history and their login and token as
they were made, and a disabled account stays disabled (migration 0017), on both databases."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from taizhang.api.account_store import AccountStore
from taizhang.api.auth import Credential, TokenStore
from taizhang.config import Settings
from taizhang.migrate import upgrade
from tests.integration.test_token_defences import refused


@pytest.fixture
def accounts(settings: Settings) -> Any:
    upgrade(settings)
    tokens = TokenStore(settings)
    yield AccountStore(tokens)
    tokens.close()


def test_account_rows_and_their_history_are_kept(accounts: AccountStore) -> None:
    office = Credential(id=uuid4(), name="office", role="office", source="office",
                        district_id=uuid4())  # fmt: skip
    made, _ = accounts.create(office, "sv-0001", "correct horse battery", "supervisor")
    store = accounts.tokens
    where = " WHERE login = 'sv-0001'"
    for statement in (
        "UPDATE accounts SET login = 'someone-else'" + where,
        "UPDATE accounts SET token_hash = 'x'" + where,
        "UPDATE accounts SET created_by = 'nobody'" + where,
        "DELETE FROM accounts" + where,
        "UPDATE account_events SET actor = 'someone else'",
        "DELETE FROM account_events",
    ):
        assert refused(store, statement), statement
    # What the service does is allowed: a new password, a failure counted, disabling.
    assert not refused(store, "UPDATE accounts SET failures = failures + 1" + where)
    accounts.disable(office, made.id, "left")
    assert refused(store, "UPDATE accounts SET disabled_at = NULL" + where)
    assert [e["action"] for e in accounts.history(office)] == ["created", "disabled"]
