"""A branch's volunteer service in a campaign (000 §四): its teams, and its members' service
commitments and their fulfilment. Part of ``taizhang.domain.branch_work.BranchWork``, written here.

The commitment's maker is named by pseudonymous id (``member``); a name, when given, is
held sealed under that person's key (``taizhang.domain.persons``), never in clear.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from . import branch_facts as facts
from .base import KeepsFacts
from .errors import require, require_value
from .persons import check_person
from .provenance import Provenance


def not_before(provenance: Provenance, earlier: date | None, what: str) -> None:
    require_value(
        earlier is None or provenance.occurred_on >= earlier,
        "occurred_on",
        f"not_before_{what}",
        f"occurred_on {provenance.occurred_on} is before the {what.replace('_', ' ')} ({earlier})",
    )


def commitments_of(current: list[Any]) -> dict[UUID, bool]:
    """Each service commitment among the current facts, and whether it is fulfilled."""
    made: dict[UUID, bool] = {}
    for fact in current:
        if isinstance(fact, facts.ServiceCommitmentMade):
            made.setdefault(fact.commitment_id, False)
    for fact in current:
        if isinstance(fact, facts.ServiceCommitmentFulfilled):
            made[fact.commitment_id] = True
    return made


class VolunteerService(KeepsFacts):
    # The aggregate's own classes of these facts (their topics name the aggregate).
    VolunteerTeamSetUp: type[facts.VolunteerTeamSetUp]
    ServiceCommitmentMade: type[facts.ServiceCommitmentMade]
    ServiceCommitmentFulfilled: type[facts.ServiceCommitmentFulfilled]

    def commitments(self) -> dict[UUID, bool]:
        """Each service commitment, and whether it is fulfilled."""
        return commitments_of(self.facts.values())

    def set_up_volunteer_team(
        self,
        provenance: Provenance,
        *,
        team_id: UUID,
        name: str,
        service_kinds: list[str],
        members: int,
        joint_with: list[UUID] | None = None,
    ) -> None:
        require(
            team_id not in {f.team_id for f in self.facts.of_type(self.VolunteerTeamSetUp)},
            "team_id",
            "new_team",
            "that volunteer team is already set up",
        )
        self.trigger_event(
            self.VolunteerTeamSetUp,
            provenance=provenance,
            team_id=team_id,
            name=name,
            service_kinds=sorted(set(service_kinds)),
            members=members,
            joint_with=sorted(set(joint_with or [])),
        )

    def make_service_commitment(
        self,
        provenance: Provenance,
        *,
        commitment_id: UUID,
        member: str,
        content: str,
        member_name: str = "",
    ) -> None:
        """``member``: the maker's pseudonymous id; ``member_name``: their name, sealed."""
        check_person("member", member, member_name)
        require(
            commitment_id not in self.commitments(),
            "commitment_id",
            "new_commitment",
            "that commitment is already made",
        )
        self.trigger_event(
            self.ServiceCommitmentMade,
            provenance=provenance,
            commitment_id=commitment_id,
            member=member,
            member_name=member_name,
            content=content,
        )

    def fulfil_service_commitment(
        self, provenance: Provenance, *, commitment_id: UUID, outcome: str = ""
    ) -> None:
        commitments = self.commitments()
        require(
            commitment_id in commitments,
            "commitment_id",
            "commitment_made",
            "a commitment must be made before it is fulfilled",
        )
        require(
            not commitments[commitment_id],
            "commitment_id",
            "not_fulfilled",
            "that commitment is already fulfilled",
        )
        made_on = max(
            f.provenance.occurred_on
            for f in self.facts.of_type(self.ServiceCommitmentMade)
            if f.commitment_id == commitment_id
        )
        not_before(provenance, made_on, "commitment")
        self.trigger_event(
            self.ServiceCommitmentFulfilled,
            provenance=provenance,
            commitment_id=commitment_id,
            outcome=outcome,
        )
