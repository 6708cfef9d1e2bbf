"""The demo district's register: consistent with its branches, and with gaps to show."""

from __future__ import annotations

from uuid import UUID

from taizhang.demo import DEMO_TODAY
from taizhang.domain.branch import Branch
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.vocabulary import CoverageMode, Formation
from taizhang.ledger import Ledger
from taizhang.projections.queries import Views
from tests.projections.scenario import projected_demo


def test_the_register_follows_the_branches_and_shows_gaps(settings):
    summary = projected_demo(settings, branches=40)
    ledger = Ledger(settings)
    try:
        branches: dict[UUID, Branch] = {b: ledger.repository.get(b) for b in summary.branch_ids}
        orgs: list[HostOrganization] = []
        for notification in ledger.recorder.select_notifications(0, 1_000_000):
            if notification.topic.endswith("HostOrganization.Registered"):
                orgs.append(ledger.repository.get(notification.originator_id))
    finally:
        ledger.close()
    covered = {o.branch_id: o for o in orgs if o.branch_id is not None}
    for branch in branches.values():
        if branch.formation in (Formation.STANDALONE, Formation.AFFILIATED):
            host = covered[branch.id]
            assert host.name == branch.host_name
            expected = (
                CoverageMode.STANDALONE
                if branch.formation is Formation.STANDALONE
                else CoverageMode.AFFILIATED
            )
            assert host.mode is expected
        elif branch.formation is Formation.JOINT:
            units = [o for o in orgs if o.branch_id == branch.id]
            assert len(units) == len(branch.covered_units)
    # Most organizations have no branch.
    assert len([o for o in orgs if o.branch_id is None]) > len(orgs) / 2
    views = Views(settings)
    try:
        report = views.coverage(str(summary.district_id), DEMO_TODAY.isoformat()).value
    finally:
        views.close()
    total = report["total"]
    assert total["organizations"] == len(orgs)
    assert 0 < total["should_build_rate"] < 1
    assert total["gaps"]["party_organization_missing"] > 0
    assert total["gaps"]["follower_missing"] > 0
    assert {p["location_kind"] for p in report["by_place"]} == {
        "park",
        "business_district",
        "office_building",
    }
