"""Who may and may not, for every kind of endpoint (SQLite: the rules do not depend on it).

Out-of-scope resources answer 404 exactly like missing ones; 403 is for what a role may
never do.
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.api.conftest import TODAY, Api, branch_data

ROLES = [
    "admin",
    "office",
    "office_other",
    "supervisor_district",
    "supervisor_c1",
    "supervisor_group",
    "integrator_b1",
    "integrator_c2",
    "committee_c1",
]


def status(response) -> int:  # type: ignore[no-untyped-def]
    return int(response.status_code)


READS = {
    # path template → roles that may read it (everyone else gets 404)
    "/api/v1/branches/{b1}": {
        "admin",
        "office",
        "supervisor_district",
        "supervisor_c1",
        "supervisor_group",
        "integrator_b1",
        "committee_c1",
    },
    "/api/v1/branches/{b2}": {"admin", "office", "supervisor_district", "integrator_c2"},
    "/api/v1/branches/{b3}": {"admin", "office_other"},
    "/api/v1/committees/{c1}": {
        "admin",
        "office",
        "supervisor_district",
        "supervisor_c1",
        "supervisor_group",
        "committee_c1",
    },
    "/api/v1/committees/{c2}/history": {"admin", "office", "supervisor_district", "integrator_c2"},
    "/api/v1/supervision-groups/{group}": {
        "admin",
        "office",
        "supervisor_district",
        "supervisor_group",
    },
    "/api/v1/districts/{district}": set(ROLES) - {"office_other"},
    "/api/v1/campaigns/{campaign}": set(ROLES) - {"office_other"},
}


@pytest.mark.parametrize("template", sorted(READS))
def test_reads_by_role(sqlite_api: Api, template: str) -> None:
    path = template.format(**{k: str(v) for k, v in sqlite_api.ids.items()})
    for role in ROLES:
        expected = 200 if role in READS[template] else 404
        response = sqlite_api.get(path, role)
        assert status(response) == expected, (role, path, response.get_json())
    # The refusal looks exactly like a missing resource of the same kind.
    if "/history" not in template:
        refused = sqlite_api.get(path, next(r for r in ROLES if r not in READS[template]))
        missing = sqlite_api.get(path.rsplit("/", 1)[0] + f"/{uuid4()}", "admin")
        assert refused.get_json()["title"] == missing.get_json()["title"]
        assert refused.get_json()["errors"][0]["rule"] == missing.get_json()["errors"][0]["rule"]


def _post_fact(api: Api, role: str, branch: str, type_: str, data: dict) -> int:
    path = f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids[branch]}/events"
    return status(api.event(path, type_, data, who=role))


def test_branch_work_writes_by_role(sqlite_api: Api) -> None:
    api = sqlite_api
    allowed_b1 = {"admin", "office", "integrator_b1"}
    for role in ROLES:
        got = _post_fact(api, role, "b1", "OptionalActionRecorded", {"title": role})
        if role in allowed_b1:
            assert got == 201, role
        elif role.startswith(("supervisor", "committee")):
            assert got == 403, role  # the supervising side never reports the branch's work
        else:
            assert got == 404, role  # out of scope: as if the branch did not exist
    visit = {"group_id": str(api.ids["group"]), "findings": "进度正常"}
    for role in ROLES:
        got = _post_fact(api, role, "b1", "SupervisionVisitRecorded", visit)
        may = {"admin", "office", "supervisor_district", "supervisor_group"}
        if role in may:
            assert got == 201, role
        elif role.startswith(("integrator", "committee")):
            assert got == 403, role
        else:
            # The group named in the body is out of scope, as if it did not exist.
            assert got == 404, role
    # b2 is outside supervisor_c1's and the group's scope.
    assert _post_fact(api, "supervisor_group", "b2", "SupervisionVisitRecorded", visit) == 404
    assert _post_fact(api, "integrator_c2", "b2", "OptionalActionRecorded", {"title": "x"}) == 201


def test_registrations_by_role(sqlite_api: Api) -> None:
    api = sqlite_api
    for role in ROLES:
        r = api.event("/api/v1/districts", None, {"name": "新区", "code": f"c-{role}"}, who=role)
        assert status(r) == (201 if role == "admin" else 403), role
    for role in ROLES:
        data = {"district_id": str(api.ids["district"]), "name": f"委 {role}", "kind": "town"}
        r = api.event("/api/v1/committees", None, data, who=role)
        expected = {"admin": 201, "office": 201, "office_other": 404}.get(role, 403)
        assert status(r) == expected, (role, r.get_json())
    for role in ROLES:
        data = branch_data(api.ids["district"], api.ids["c2"], f"支部 {role}")
        r = api.event("/api/v1/branches", None, data, who=role)
        expected = {"admin": 201, "office": 201, "integrator_c2": 201}.get(role)
        if expected is None:
            expected = 403 if role.startswith("supervisor") else 404
        assert status(r) == expected, (role, r.get_json())


def test_campaign_and_group_writes_are_the_offices(sqlite_api: Api) -> None:
    api = sqlite_api
    for role in ROLES:
        r = api.event(
            f"/api/v1/supervision-groups/{api.ids['group']}/events",
            "ScopeAssigned",
            {"branch_ids": [str(api.ids["b2"])]},
            who=role,
        )
        expected = {"admin": 201, "office": 409, "office_other": 404}.get(role, 403)
        assert status(r) == expected, (role, r.get_json())
    for role in ROLES:
        r = api.event(
            f"/api/v1/campaigns/{api.ids['campaign']}/events",
            "PhaseDeadlineChanged",
            {"phase_key": "work_systems", "deadline": TODAY.isoformat()},
            who=role,
        )
        expected = {"admin": 201, "office": 201, "office_other": 404}.get(role, 403)
        assert status(r) == expected, (role, r.get_json())


def test_committee_events_by_role(sqlite_api: Api) -> None:
    """A committee's own records are the committee's (and its office's), not an
    integrator's."""
    api = sqlite_api
    for committee in ("c1", "c2"):
        for role in ROLES:
            r = api.event(
                f"/api/v1/committees/{api.ids[committee]}/events",
                "CommitteeRenamed",
                {"name": f"新名 {role}"},
                who=role,
            )
            expected = {"admin": 201, "office": 201, f"committee_{committee}": 201}.get(role)
            if expected is None:
                may = role.startswith(("office", "committee"))
                expected = 404 if may else 403
            assert status(r) == expected, (committee, role, r.get_json())


def test_batch_items_out_of_scope_are_named(sqlite_api: Api) -> None:
    api = sqlite_api
    campaign = str(api.ids["campaign"])
    items = [
        {
            "type": "OptionalActionRecorded",
            "occurred_on": TODAY.isoformat(),
            "data": {"campaign_id": campaign, "branch_id": str(api.ids[b]), "title": "x"},
        }
        for b in ("b1", "b2")
    ]
    r = api.post("/api/v1/batches", {"items": items}, "integrator_b1")
    assert r.status_code == 422
    assert [(e["index"], e["status"]) for e in r.get_json()["errors"]] == [(1, 404)]
    assert api.post("/api/v1/batches", {"items": items[:1]}, "integrator_b1").status_code == 201


def test_supervision_views_by_role_whoever_read_first(api: Api) -> None:
    """Scope checks of views read the campaign's and district's home once per process; a
    home cached for one caller must never let another one in (both databases)."""
    from tests.api.test_views import catch_up

    catch_up(api)
    campaign, ids = api.ids["campaign"], api.ids
    district_view = f"/api/v1/campaigns/{campaign}/districts/{ids['district']}/supervision"
    committee_view = f"/api/v1/campaigns/{campaign}/committees/{ids['c1']}/supervision"
    group_view = f"/api/v1/campaigns/{campaign}/supervision-groups/{ids['group']}/supervision"
    expected = {
        # role: (district view, committee c1's view, the group's view)
        "admin": (200, 200, 200),
        "office": (200, 200, 200),
        "supervisor_district": (200, 200, 200),
        "supervisor_c1": (403, 200, 404),
        "supervisor_group": (403, 200, 200),
        "integrator_b1": (403, 404, 404),
        "integrator_c2": (403, 404, 404),
        "committee_c1": (403, 200, 404),
        "office_other": (404, 404, 404),
    }
    for role in ("admin", *[r for r in ROLES if r != "admin"]):
        got = tuple(status(api.get(p, role)) for p in (district_view, committee_view, group_view))
        assert got == expected[role], role


def test_a_token_revoked_elsewhere_stops_working_within_the_cache_time(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's revocation takes effect here within ``CACHE_SECONDS`` (issue 16:
    "revocation takes effect in every worker within a second")."""
    import time

    from taizhang.api import auth
    from tests.api.test_views import catch_up

    catch_up(api)
    now = [time.monotonic()]

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return now[0]

    monkeypatch.setattr(auth, "time", Clock)
    path = f"/api/v1/campaigns/{api.ids['campaign']}/districts/{api.ids['district']}/supervision"
    assert status(api.get(path, "office")) == 200  # looked up and cached here
    elsewhere = auth.TokenStore(api.app.extensions["taizhang"].settings)
    try:
        assert elsewhere.revoke("office") is not None
    finally:
        elsewhere.close()
    assert auth.CACHE_SECONDS <= 1.0
    now[0] += auth.CACHE_SECONDS / 2
    assert status(api.get(path, "office")) == 200  # still cached: the documented bound
    now[0] += auth.CACHE_SECONDS / 2
    assert status(api.get(path, "office")) == 401
    assert status(api.get(path, "admin")) == 200
