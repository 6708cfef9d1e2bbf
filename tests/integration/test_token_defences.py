"""Tokens (issue 16 finding 7): revocation reaches every process within a second, token rows
change only by revocation, the history of tokens is kept, files with secrets are private."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from taizhang.api import auth
from taizhang.api.auth import TokenStore
from taizhang.api.pages.session import SECRET_FILE, secret_key
from taizhang.config import Settings
from taizhang.migrate import upgrade
from taizhang.private_files import write_private


@pytest.fixture
def store(settings: Settings) -> Any:
    upgrade(settings)
    made = TokenStore(settings)
    yield made
    made.close()


def refused(store: TokenStore, statement: str) -> bool:
    try:
        with store._cursor() as cur:
            cur.execute(statement)
    except Exception as error:  # sqlite3.IntegrityError or psycopg's RaiseException
        return "refused" in str(error)
    return False


def test_a_revocation_in_another_process_takes_effect_within_a_second(
    store: TokenStore, settings: Settings
) -> None:
    """Issue 16: "revocation takes effect in every worker within a second"."""
    assert auth.CACHE_SECONDS <= 1.0
    token, _ = store.create("office-a", "office", district_id=auth.uuid4())
    assert store.lookup(token) is not None  # cached in this process
    other = TokenStore(settings)
    try:
        other.revoke("office-a", reason="test")
    finally:
        other.close()
    time.sleep(auth.CACHE_SECONDS + 0.05)
    assert store.lookup(token) is None


def test_token_rows_change_only_by_revocation(store: TokenStore) -> None:
    """Issue 16: "the service's database role cannot change token rows except through the
    operations that revoke them"."""
    store.create("office-b", "office", district_id=auth.uuid4())
    for statement in (
        "UPDATE api_tokens SET role = 'admin' WHERE name = 'office-b'",
        "UPDATE api_tokens SET token_hash = 'x' WHERE name = 'office-b'",
        "DELETE FROM api_tokens WHERE name = 'office-b'",
    ):
        assert refused(store, statement), statement
    assert store.revoke("office-b", by="ops-1", reason="left") is not None
    assert refused(store, "UPDATE api_tokens SET revoked_at = NULL WHERE name = 'office-b'")
    assert refused(store, "UPDATE api_tokens SET revoked_at = 'later' WHERE name = 'office-b'")
    assert [c.role for c in store.list()] == ["office"]


def test_token_history_is_kept_and_cannot_be_rewritten(store: TokenStore) -> None:
    """Issue 16: "creating and revoking tokens are recorded with who did it, when and why,
    and can be listed"."""
    _, made = store.create("sup-1", "supervisor", district_id=auth.uuid4(), reason="new group")
    store.revoke("sup-1", by="ops-2", reason="group dissolved")
    store.revoke("sup-1", by="ops-3", reason="again")  # already revoked: nothing to record
    history = store.history()
    assert [(h["action"], h["token_id"], h["reason"]) for h in history] == [
        ("created", str(made.id), "new group"),
        ("revoked", str(made.id), "group dissolved"),
    ]
    assert history[0]["actor"] and history[1]["actor"] == "ops-2"
    assert history[0]["recorded_at"] <= history[1]["recorded_at"]
    for statement in (
        "UPDATE api_token_events SET actor = 'someone else'",
        "DELETE FROM api_token_events",
    ):
        assert refused(store, statement), statement
    assert len(store.history()) == 2


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_with_data_or_secrets_are_private_whatever_existed_before(
    sqlite_settings: Settings,
) -> None:
    """Issue 16: "every file holding data or secrets is created 0600 whatever existed
    before" (`var/taizhang.sqlite` was 0644; demo-tokens.json kept an old file's mode)."""
    database = Path(sqlite_settings.sqlite_path())
    database.parent.mkdir(parents=True, exist_ok=True)
    database.touch()
    os.chmod(database, 0o644)
    upgrade(sqlite_settings)
    assert mode(database) == 0o600
    for companion in (f"{database}-wal", f"{database}-shm"):
        if os.path.exists(companion):
            assert mode(companion) == 0o600, companion
    tokens = Path(sqlite_settings.data_dir) / "demo-tokens.json"
    tokens.parent.mkdir(parents=True, exist_ok=True)
    tokens.write_text("old")
    os.chmod(tokens, 0o644)
    write_private(tokens, "{}")
    assert mode(tokens) == 0o600 and tokens.read_text() == "{}"


def test_the_pages_secret_is_private_and_never_shown(sqlite_settings: Settings) -> None:
    """The key that signs page sessions is a secret like a token: its file is 0600 whatever
    it was left with, and a key given in the environment never appears in the settings'
    repr (which logs and tracebacks show)."""
    path = Path(sqlite_settings.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("left-behind-key\n")
    os.chmod(path, 0o644)
    assert secret_key(sqlite_settings) == "left-behind-key"
    assert mode(path) == 0o600
    given = Settings.from_env(
        {
            "TAIZHANG_DATABASE_URL": sqlite_settings.database_url,
            "TAIZHANG_DATA_DIR": sqlite_settings.data_dir,
            "TAIZHANG_PAGE_SECRET": "from-the-environment",
        }
    )
    assert secret_key(given) == "from-the-environment"
    assert "from-the-environment" not in repr(given)
