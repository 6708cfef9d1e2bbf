"""Fixtures for the fault tests: a private PostgreSQL cluster the tests may restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taizhang.config import Settings
from tests.conftest import in_ci
from tests.reliability.harness import PG_BIN, PrivatePostgres


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        message = f"no PostgreSQL server binaries at {PG_BIN} (set TAIZHANG_TEST_PG_BIN)"
        if in_ci():
            pytest.fail(message + " -- CI=true, so this is a failure, not a skip", pytrace=False)
        pytest.skip(message)
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def private_pg_settings(private_pg: PrivatePostgres, tmp_path: Path) -> Settings:
    """A fresh database on the private cluster (left for the cluster's teardown to remove)."""
    return private_pg.fresh_database(tmp_path)
