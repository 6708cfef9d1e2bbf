"""Tried as a new user would: every request the README documents, read from the README
itself, works as written with the role it names, against the demo district and its tokens."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from taizhang.api import create_app
from taizhang.cli import main
from taizhang.commands.demo import demo_token_specs
from taizhang.config import Settings
from taizhang.demo import DEFAULT_SEED, generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.worker import Worker
from tests.conftest import create_schema, drop_schema, postgres_env, sqlite_env

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
ROLES = ("admin", "office", "supervisor", "integrator")
# A table row of "Reading the views": | role | `GET path` | what it answers |
ROW = re.compile(r"^\| (any|admin|office|supervisor|integrator) \| `GET ([^`]+)` \|", re.M)
VARIABLE = re.compile(r"\$([A-Z_]+)")


@dataclass
class Demo:
    client: FlaskClient
    campaign_id: str
    tokens: dict[str, str]
    found: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, path: str, role: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[role]}"})

    def post(self, path: str, role: str, body: Any) -> Any:
        return self.client.post(
            path, json=body, headers={"Authorization": f"Bearer {self.tokens[role]}"}
        )

    def variable(self, name: str, role: str) -> str:
        """An id the README asks for, found the way it says: through the role's own token."""
        if name == "CAMPAIGN_ID":
            return self.campaign_id
        if (name, role) not in self.found:
            me = self.get("/api/v1/me", role).get_json()
            if name == "BRANCH_ID":
                page = self.get(f"/api/v1/campaigns/{self.campaign_id}/progress", role)
                value = page.get_json()["items"][0]["branch_id"]
            elif name == "DISTRICT_ID":
                value = me["district"]["district_id"]
            elif name == "COMMITTEE_ID":
                value = me["committees"][0]["committee_id"]
            elif name == "GROUP_ID":
                value = me["groups"][0]["group_id"]
            else:
                raise AssertionError(f"the README names ${name}, which this test cannot find")
            self.found[(name, role)] = value
        return self.found[(name, role)]

    def fill(self, text: str, role: str) -> str:
        return VARIABLE.sub(lambda m: self.variable(m.group(1), role), text)


def _readme_campaign_id() -> str:
    found = re.search(r"^CAMPAIGN_ID=([0-9a-f-]{36})$", README, re.M)
    assert found, "the README names the demo's campaign id"
    return found.group(1)


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo district (smaller: 40 branches, the same seed and ids) and its tokens, read
    through the Flask test client, on SQLite and on PostgreSQL."""
    directory = tmp_path_factory.mktemp("readme")
    schema = None
    if request.param == "postgres":
        schema = create_schema()
        settings = Settings.from_env(postgres_env(schema, str(directory)))
    else:
        settings = Settings.from_env(sqlite_env(directory))
    upgrade(settings)
    ledger = Ledger(settings)
    try:
        summary = generate(ledger, branches=40, progress=False)
        worker = Worker(settings, ledger=ledger)
        worker.catch_up()
        worker.close()
        app = create_app(settings, ledger=ledger)
        store = app.extensions["taizhang"].tokens
        tokens = {}
        for spec in demo_token_specs(summary, DEFAULT_SEED):
            token, credential = store.create(**spec)
            tokens[credential.role] = token
        assert str(summary.campaign_id) == _readme_campaign_id()
        yield Demo(app.test_client(), str(summary.campaign_id), tokens)
        app.extensions["taizhang"].close()
    finally:
        ledger.close()
        if schema is not None:
            drop_schema(schema)


def _requests() -> list[tuple[str, str]]:
    rows = ROW.findall(README)
    assert len(rows) >= 10, "the README's table of requests"
    return [(role, path) for who, path in rows for role in (ROLES if who == "any" else (who,))]


@pytest.mark.parametrize(("role", "path"), _requests())
def test_every_documented_request_works_with_the_role_it_names(
    demo: Demo, role: str, path: str
) -> None:
    answer = demo.get(demo.fill(path, role), role)
    assert answer.status_code == 200, (role, path, answer.get_json())


def test_every_documented_id_is_found_through_the_api(demo: Demo) -> None:
    """The README's narrower tokens reach only their own part: the supervisor's group and
    the integrator's committees, each named in GET /me."""
    supervisor = demo.get("/api/v1/me", "supervisor").get_json()
    assert supervisor["role"] == "supervisor" and len(supervisor["groups"]) == 1
    assert supervisor["groups"][0]["name"].startswith("区委第一督导组")
    integrator = demo.get("/api/v1/me", "integrator").get_json()
    assert integrator["committees"] and integrator["campaigns"][0]["campaign_id"] == (
        demo.campaign_id
    )
    district_view = "/api/v1/campaigns/$CAMPAIGN_ID/districts/$DISTRICT_ID/supervision"
    answer = demo.get(demo.fill(district_view, "supervisor"), "supervisor")
    assert answer.status_code == 403 and "GET /api/v1/me" in answer.get_json()["detail"]


def _posting_example() -> tuple[str, dict[str, Any]]:
    block = README.split("## Posting an event", 1)[1].split("```", 2)[1]
    url = re.search(r'curl -X POST "http://127\.0\.0\.1:8000([^"]+)"', block)
    body = re.search(r"-d '(.+?)'", block, re.S)
    assert url and body and "the integrator token" in block
    return url.group(1), json.loads(body.group(1))


def test_the_posting_example_works_for_the_integrator(demo: Demo) -> None:
    path, body = _posting_example()
    path = demo.fill(path, "integrator")
    first = demo.post(path, "integrator", body)
    assert first.status_code == 201, first.get_json()
    assert {"event_id", "aggregate_id", "version", "position"} <= set(first.get_json())
    again = demo.post(path, "integrator", body)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    bad = demo.post(path, "integrator", {**body, "occurred_on": "2014-13-01"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


def test_the_documented_report_command_works(
    demo: Demo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    usage = re.search(r"`taizhang report --campaign ID --scope ([^ `]+) ", README)
    assert usage and "district:ID" in usage.group(1)
    database = demo.client.application.extensions["taizhang"].settings
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", database.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", database.data_dir)
    district = demo.variable("DISTRICT_ID", "office")
    argv = ["report", "--campaign", demo.campaign_id, "--scope", f"district:{district}"]
    assert main([*argv, "--as-of-date", "2014-06-15"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["branches"] > 0 and report["business_date"] == "2014-06-15"
