"""An API over a fresh database, with a small district and a token for every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from flask.testing import FlaskClient

from taizhang.api import create_app
from taizhang.config import Settings
from taizhang.domain.business_day import business_today
from taizhang.domain.phases import EIGHT_ONES
from taizhang.migrate import upgrade

TODAY = business_today()
START = TODAY - timedelta(days=60)


def phases() -> list[dict[str, Any]]:
    return [
        {
            "key": p.key,
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "order": p.order,
            "deadline": (START + timedelta(days=10 * p.order)).isoformat(),
            "done_when": list(p.done_when),
            "started_by": list(p.started_by),
        }
        for p in EIGHT_ONES.phases
    ]


@dataclass
class Api:
    client: FlaskClient
    app: Any
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, UUID] = field(default_factory=dict)

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        found = dict(extra)
        if who is not None:
            found["Authorization"] = f"Bearer {self.tokens[who]}"
        return found

    def post(self, path: str, body: Any, who: str | None = "admin", **headers: str) -> Any:
        return self.client.post(path, json=body, headers=self.headers(who, **headers))

    def get(self, path: str, who: str | None = "admin", **headers: str) -> Any:
        return self.client.get(path, headers=self.headers(who, **headers))

    def event(
        self, path: str, type_: str | None, data: dict[str, Any], who: str = "admin", **kw: Any
    ) -> Any:
        body: dict[str, Any] = {"occurred_on": kw.pop("occurred_on", TODAY.isoformat())}
        if type_ is not None:
            body["type"] = type_
        body["data"] = data
        body.update(kw)
        return self.post(path, body, who)

    def ok(self, response: Any) -> dict[str, Any]:
        assert response.status_code == 201, response.get_json()
        result: dict[str, Any] = response.get_json()
        return result

    def token(self, name: str, role: str, **scope: Any) -> str:
        token, _ = self.app.extensions["taizhang"].tokens.create(name, role, **scope)
        self.tokens[name] = token
        return token


def build_world(api: Api) -> None:
    """Two districts; in the first two committees, a group over one of them, a campaign."""
    api.token("admin", "admin")
    ids = api.ids
    ids["district"] = UUID(
        api.ok(api.event("/api/v1/districts", None, {"name": "番禺区", "code": "440113"}))[
            "aggregate_id"
        ]
    )
    ids["other_district"] = UUID(
        api.ok(api.event("/api/v1/districts", None, {"name": "天河区", "code": "440106"}))[
            "aggregate_id"
        ]
    )
    for key, district, name in (
        ("c1", "district", "市桥街道党工委"),
        ("c2", "district", "区非公经济组织党工委"),
        ("c3", "other_district", "天河街道党工委"),
    ):
        ids[key] = UUID(
            api.ok(
                api.event(
                    "/api/v1/committees",
                    None,
                    {"district_id": str(ids[district]), "name": name, "kind": "subdistrict"},
                )
            )["aggregate_id"]
        )
    for key, committee, district in (
        ("b1", "c1", "district"),
        ("b2", "c2", "district"),
        ("b3", "c3", "other_district"),
    ):
        ids[key] = UUID(
            api.ok(
                api.event(
                    "/api/v1/branches",
                    None,
                    branch_data(ids[district], ids[committee], f"支部 {key}"),
                )
            )["aggregate_id"]
        )
    ids["group"] = UUID(
        api.ok(
            api.event(
                "/api/v1/supervision-groups",
                None,
                {"district_id": str(ids["district"]), "name": "第一督导组", "kind": "supervision"},
            )
        )["aggregate_id"]
    )
    api.ok(
        api.event(
            f"/api/v1/supervision-groups/{ids['group']}/events",
            "ScopeAssigned",
            {"committee_ids": [str(ids["c1"])]},
        )
    )
    ids["campaign"] = UUID(
        api.ok(
            api.event(
                "/api/v1/campaigns",
                None,
                {
                    "district_id": str(ids["district"]),
                    "name": "教育实践活动",
                    "starts_on": START.isoformat(),
                    "ends_on": (TODAY + timedelta(days=120)).isoformat(),
                    "phases": phases(),
                    "template_key": "eight_ones",
                },
                occurred_on=START.isoformat(),
            )
        )["aggregate_id"]
    )
    api.ok(
        api.event(
            f"/api/v1/campaigns/{ids['campaign']}/events",
            "BranchesEnrolled",
            {"branch_ids": [str(ids["b1"]), str(ids["b2"])]},
            occurred_on=START.isoformat(),
        )
    )
    district = ids["district"]
    api.token("office", "office", district_id=district)
    api.token("office_other", "office", district_id=ids["other_district"])
    api.token("supervisor_district", "supervisor", district_id=district)
    api.token("supervisor_c1", "supervisor", district_id=district, committee_ids=[ids["c1"]])
    api.token("supervisor_group", "supervisor", district_id=district, group_id=ids["group"])
    api.token(
        "integrator_b1",
        "integrator",
        district_id=district,
        branch_ids=[ids["b1"]],
        source="branch-system",
    )
    api.token("integrator_c2", "integrator", district_id=district, committee_ids=[ids["c2"]])
    api.token("integrator_c1", "integrator", district_id=district, committee_ids=[ids["c1"]])
    api.token("committee_c1", "committee", district_id=district, committee_ids=[ids["c1"]])


def branch_data(district: UUID, committee: UUID, name: str) -> dict[str, Any]:
    return {
        "district_id": str(district),
        "committee_id": str(committee),
        "name": name,
        "level": "branch",
        "formation": "standalone",
        "host_name": f"{name} 有限公司",
        "host_category": "non_public_enterprise",
        "employees": 80,
        "full_members": 5,
    }


def make_api(settings: Settings) -> Iterator[Api]:
    upgrade(settings)
    app = create_app(settings)
    app.config["TESTING"] = True
    api = Api(client=app.test_client(), app=app)
    build_world(api)
    try:
        yield api
    finally:
        app.extensions["taizhang"].close()


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """On SQLite and on PostgreSQL."""
    yield from make_api(settings)


@pytest.fixture
def sqlite_api(sqlite_settings: Settings) -> Iterator[Api]:
    """SQLite only: for the role matrix and schema checks, to keep the suite fast."""
    yield from make_api(sqlite_settings)


def new_id() -> str:
    return str(uuid4())


__all__ = ["START", "TODAY", "Api", "date", "new_id"]
