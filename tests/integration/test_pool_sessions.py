"""The ledger's PostgreSQL sessions run without JIT compilation, also those opened first."""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack
from uuid import uuid4

from taizhang.config import Settings
from taizhang.ledger import Ledger


def test_every_ledger_session_has_jit_off(postgres_settings: Settings) -> None:
    # Made twice: the first creates the tables (its pool opens while the application is
    # made), the second finds them.
    found = dataclasses.replace(postgres_settings, create_tables=False)
    for settings in (postgres_settings, found):
        ledger = Ledger(settings)
        try:
            datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
            with ExitStack() as held:
                # Held at once, so every session the pool opened so far, and more, is seen.
                sessions = [
                    held.enter_context(datastore.get_connection())
                    for _ in range(datastore.pool.max_size)
                ]
                assert len({s.info.backend_pid for s in sessions}) == datastore.pool.max_size
                assert {s.execute("SHOW jit").fetchone()["jit"] for s in sessions} == {"off"}
            # The reads the setting is for still answer.
            assert ledger.latest_versions([uuid4()]) == {}
        finally:
            ledger.close()
