"""The commands of the register of "two new" organizations
(``taizhang.domain.host_organization``)."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID, uuid5

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.branch import Branch
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.errors import require
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.instructor import Instructor
from taizhang.domain.provenance import Provenance
from taizhang.domain.vocabulary import CoverageMode, Formation
from taizhang.handlers.event_types import handles
from taizhang.unit_of_work import UnitOfWork


def _committee_of(uow: UnitOfWork, district_id: UUID, committee_id: UUID, field: str) -> None:
    committee = uow.read(Committee, committee_id, field)
    require(
        committee.district_id == district_id,
        field,
        "same_district",
        "the committee belongs to another district",
    )


@handles("HostOrganizationRegistered", "host_organization", creates=True)
def _host_registered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(District, d["district_id"], "district_id")
    _committee_of(uow, d["district_id"], d["committee_id"], "committee_id")
    if d.get("industry_committee_id") is not None:
        _committee_of(uow, d["district_id"], d["industry_committee_id"], "industry_committee_id")
    return uow.add(HostOrganization.register(p, **d))


def _host(uow: UnitOfWork, d: dict[str, Any]) -> HostOrganization:
    return uow.get(HostOrganization, d["host_organization_id"], "host_organization_id")


@handles("StaffCounted", "host_organization")
def _staff_counted(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    org.count_staff(
        p, d["employees"], d["full_members"], d.get("above_scale", False), d.get("scale_basis", "")
    )
    return org


@handles("OrganizationRelocated", "host_organization")
def _relocated(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    org.relocate(p, d["location_kind"], d.get("location_name", ""))
    return org


@handles("OrganizationCommitteesChanged", "host_organization")
def _committees_changed(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    _committee_of(uow, org.district_id, d["committee_id"], "committee_id")
    industry = d.get("industry_committee_id")
    if industry is not None:
        _committee_of(uow, org.district_id, industry, "industry_committee_id")
    org.change_committees(p, d["committee_id"], industry)
    return org


def _also(p: Provenance, what: str) -> Provenance:
    """The provenance of an event a post makes beside its own, with an event id of its own."""
    return dataclasses.replace(p, event_id=uuid5(p.event_id, what))


def _unlink(uow: UnitOfWork, p: Provenance, org: HostOrganization, reason: str) -> None:
    """The branch that covered ``org`` lets it go (its link follows the register)."""
    if org.branch_id is not None:
        former = uow.get(Branch, org.branch_id, "branch_id")
        former.unlink_host(_also(p, f"unlink:{org.id}"), org.id, reason)


@handles("CoveredByBranch", "host_organization")
def _covered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    """The branch keeps the link, and refuses a sixth unit of a joint organization (003 §一
    "联合党组织覆盖单位数不超过5个")."""
    org = _host(uow, d)
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    require(
        branch.district_id == org.district_id,
        "branch_id",
        "same_district",
        "the branch belongs to another district",
    )
    if org.branch_id is not None and org.branch_id != branch.id:
        _unlink(uow, p, org, "covered by another party organization")
    org.cover(p, d["branch_id"], d["mode"])
    branch.link_host(_also(p, f"link:{org.id}"), org.id, d["mode"])
    return org


@handles("CoverageEnded", "host_organization")
def _coverage_ended(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    _unlink(uow, p, org, d["reason"])
    org.end_coverage(p, d["reason"])
    return org


# How a branch of each formation covers its organizations on the register; online and
# mobile members' organizations cover none (000 §四(一)1).
_MODE_OF_FORMATION = {
    Formation.STANDALONE: CoverageMode.STANDALONE,
    Formation.JOINT: CoverageMode.JOINT,
    Formation.AFFILIATED: CoverageMode.AFFILIATED,
}


def follow_formation(uow: UnitOfWork, p: Provenance, branch: Branch) -> None:
    """After a branch's formation changes, the organizations on the register it covers
    follow: each is covered in the new mode; those it no longer covers end their coverage.
    A standalone (or affiliated) organization covers its host alone (the one named as its
    host, else the first linked); a joint one the units it names, its host among them."""
    mode = _MODE_OF_FORMATION.get(branch.formation)
    names = {branch.host_name, *branch.covered_units}
    orgs = [uow.get(HostOrganization, org_id, "host_organization_id") for org_id in branch.hosts]
    if mode is CoverageMode.JOINT:
        keep = [o for o in orgs if o.name in names] or orgs[:1]
    elif mode is not None:
        hosts = [o for o in orgs if o.name == branch.host_name]
        keep = (hosts or orgs)[:1]
    else:
        keep = []
    reason = f"党组织组建方式改为{branch.formation.zh}"
    for org in orgs:
        if org not in keep:
            org.end_coverage(_also(p, f"end:{org.id}"), reason)
            branch.unlink_host(_also(p, f"unlink:{org.id}"), org.id, reason)
        elif mode is not None and org.mode is not mode:
            org.cover(_also(p, f"cover:{org.id}"), branch.id, mode)
            branch.link_host(_also(p, f"link:{org.id}"), org.id, mode)


@handles("FollowerSent", "host_organization")
def _follower_sent(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    """An instructor is a registered ``Instructor`` of the district (``instructor_id``); a
    liaison is named by a pseudonymous id (``follower``)."""
    org = _host(uow, d)
    instructor_id = d.get("instructor_id")
    if instructor_id is not None:
        instructor = uow.read(Instructor, instructor_id, "instructor_id")
        require(
            instructor.district_id == org.district_id,
            "instructor_id",
            "same_district",
            "the instructor belongs to another district",
        )
        follower = str(instructor_id)
    else:
        follower = d.get("follower", "")
    org.send_follower(p, d["kind"], follower)
    return org


@handles("FollowerRecalled", "host_organization")
def _follower_recalled(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    instructor_id = d.get("instructor_id")
    org.recall_follower(p, str(instructor_id) if instructor_id else d.get("follower", ""))
    return org


@handles("MassOrganizationSetUp", "host_organization")
def _mass_set_up(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    org.set_up_mass_organization(p, d["kind"], d["leader"], d["workers_heard"])
    return org


@handles("MassOrganizationLeadershipChosen", "host_organization")
def _mass_leadership(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    org.choose_mass_organization_leadership(p, d["kind"], d["leader"], d["workers_heard"])
    return org


@handles("MassOrganizationDissolved", "host_organization")
def _mass_dissolved(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    org.dissolve_mass_organization(p, d["kind"], d["reason"])
    return org


@handles("OrganizationClosed", "host_organization")
def _closed(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    _unlink(uow, p, org, d["reason"])
    org.close(p, d["reason"])
    return org
