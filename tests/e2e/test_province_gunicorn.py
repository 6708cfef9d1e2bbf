"""End to end: real gunicorn serving a province of three district ledgers on PostgreSQL
(``TAIZHANG_DISTRICTS``), each district's projector running in the service, and the
province's roll-up and readiness following what each district posts."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from taizhang.api.auth import TokenStore
from taizhang.api.province import PROVINCE_ROLE, ProvinceTokens
from taizhang.config import Settings
from taizhang.districts import load_province
from taizhang.launch import gunicorn_argv
from taizhang.migrate import upgrade
from tests.api.conftest import TODAY
from tests.conftest import create_schema, drop_schema, postgres_env
from tests.e2e.test_gunicorn import free_port

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("panyu", "tianhe", "yuexiu")
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def province(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    schemas = {k: create_schema() for k in ("province", *KEYS)}
    try:
        env = postgres_env(schemas["province"], str(tmp_path / "var"))
        root = env["TAIZHANG_DATABASE_URL"].split("?")[0]
        lines = [f'[province]\ndatabase_url = "{root}?schema={schemas["province"]}"\n']
        lines += [
            f'[districts.{k}]\nname = "区 {k}"\ndatabase_url = "{root}?schema={schemas[k]}"\n'
            for k in KEYS
        ]
        (tmp_path / "districts.toml").write_text("\n".join(lines), encoding="utf-8")
        env["TAIZHANG_DISTRICTS"] = str(tmp_path / "districts.toml")
        settings = Settings.from_env(env)
        configured = load_province(settings)
        assert configured is not None
        tokens: dict[str, str] = {}
        for ledger in configured.ledgers:
            upgrade(ledger)
        store = ProvinceTokens(configured.settings)
        tokens["province"], _ = store.create("省委组织部", PROVINCE_ROLE)
        store.close()
        for district in configured.districts:
            own = TokenStore(district.settings)
            tokens[district.key], _ = own.create("admin", "admin")
            own.close()
        port = free_port()
        served = dict(os.environ)
        served.update(
            env,
            TAIZHANG_BIND=f"127.0.0.1:{port}",
            TAIZHANG_WORKERS="2",
            TAIZHANG_EMBEDDED_PROJECTIONS="1",
            TAIZHANG_ACCESS_LOG="",
            TAIZHANG_CREATE_TABLES="no",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
            PYTHONPATH=str(ROOT),
        )
        process = subprocess.Popen(
            gunicorn_argv(), cwd=ROOT, env=served, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode() if process.stderr else "")
                time.sleep(0.2)
            yield base, tokens["province"], tokens
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    finally:
        for schema in schemas.values():
            drop_schema(schema)


def _post(base: str, key: str, token: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(
        f"{base}/districts/{key}/api/v1{path}",
        json={"occurred_on": TODAY.isoformat(), "data": data},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_served_province_rolls_up_what_each_district_posts(
    province: tuple[str, str, dict[str, str]],
) -> None:
    base, token, tokens = province
    for number, key in enumerate(KEYS, start=1):
        district = _post(base, key, tokens[key], "/districts", {"name": f"区 {key}", "code": key})
        for n in range(number):
            _post(
                base,
                key,
                tokens[key],
                "/committees",
                {"district_id": district["aggregate_id"], "name": f"党工委 {n}", "kind": "town"},
            )
    foreign = requests.get(
        f"{base}/districts/tianhe/api/v1/me",
        headers={"Authorization": f"Bearer {tokens['panyu']}"},
        timeout=10,
    )
    assert foreign.status_code == 404
    deadline = time.monotonic() + 30
    while True:
        body = requests.get(
            f"{base}/province/api/v1/rollup",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        if body["fresh"] and all(d["districts"] for d in body["districts"]):
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.3)
    assert [len(d["districts"]) for d in body["districts"]] == [1, 1, 1]
    assert all(d["freshness"]["behind"] == 0 for d in body["districts"])
    assert requests.get(base + "/readyz", timeout=10).status_code == 200
