"""The commands of the register of "two new" organizations (``domain.host_organization``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.base import LedgerAggregate
from domain.committee import Committee
from domain.district import District
from domain.errors import require
from domain.host_organization import HostOrganization
from domain.instructor import Instructor
from domain.provenance import Provenance
from taizhang.event_types import handles
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


@handles("CoveredByBranch", "host_organization")
def _covered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    branch = uow.branch(d["branch_id"])
    require(
        branch.district_id == org.district_id,
        "branch_id",
        "same_district",
        "the branch belongs to another district",
    )
    org.cover(p, d["branch_id"], d["mode"])
    return org


@handles("CoverageEnded", "host_organization")
def _coverage_ended(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    org = _host(uow, d)
    org.end_coverage(p, d["reason"])
    return org


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
    org.close(p, d["reason"])
    return org
