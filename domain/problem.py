"""A problem on a branch's problem list (问题清单) and its rectification (整改).

Each problem is its own aggregate, so that rectifying one never conflicts with another.
Its rectification moves listed → in progress → done → verified; a failed verification
sends it back to in progress.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID, uuid4

from . import base
from .base import Facts, KeepsFacts, LedgerAggregate
from .errors import require, require_value
from .persons import check_optional_person, check_person
from .provenance import Provenance
from .vocabulary import ProblemCategory, RectificationStatus

_NEXT_STATUS = {
    "RectificationStarted": RectificationStatus.IN_PROGRESS,
    "RectificationProgressed": RectificationStatus.IN_PROGRESS,
    "RectificationDone": RectificationStatus.DONE,
}


class Problem(LedgerAggregate, KeepsFacts):
    class Listed(LedgerAggregate.Created):
        campaign_id: UUID
        branch_id: UUID
        category: ProblemCategory
        description: str
        measures: str
        responsible_person: str
        responsible_person_name: str
        deadline: date

        # Version 1 named the responsible person in clear in ``responsible_person``: the
        # name is read as recorded, with no pseudonymous id (``taizhang.domain.persons``).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _clear_name_to_companion(state)

    class Fact(base.Fact):
        def apply(self, problem: Problem) -> None:
            problem.facts.add(self)

    class RectificationStarted(Fact):
        note: str

    class RectificationProgressed(Fact):
        note: str
        percent_done: int

        def check(self) -> None:
            require_value(
                0 <= self.percent_done <= 100,
                "percent_done",
                "percentage",
                "percent_done must be between 0 and 100",
            )

    class RectificationDone(Fact):
        outcome: str

        def check(self) -> None:
            require_value(bool(self.outcome.strip()), "outcome", "required", "say what was done")

    class RectificationVerified(Fact):
        """The supervising side checks the rectification; ``passed`` false reopens it.

        Who verified is the provenance's actor (the poster's credentials). The signer's
        note (``verifier_note``, their name and title) is stored sealed under the key of the
        person it names (``verifier_person``, a pseudonymous id; ``taizhang.domain.persons``).
        Version 1 named the note ``verifier``; versions 1 and 2 held it in clear with no
        person (upcast: an empty ``verifier_person``, the note as recorded)."""

        class_version = 3
        # The note is sealed under the person's key: another person cannot open it.
        uncorrectable: ClassVar[frozenset[str]] = frozenset(
            {"passed", "verifier_person", "verifier_note"}
        )
        renamed: ClassVar[dict[str, str]] = {"verifier": "verifier_note"}
        verifier_person: str
        verifier_note: str
        passed: bool
        remarks: str

        def check(self) -> None:
            check_optional_person(
                "verifier_person", self.verifier_person, self.verifier_note, "verifier_note"
            )

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["verifier_note"] = state.pop("verifier")

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["verifier_person"] = ""

    class Revised(LedgerAggregate.Event):
        """Measures, responsible person or deadline changed as the work goes on. Version 1
        named the person in clear, as ``Listed`` did."""

        class_version = 2
        measures: str
        responsible_person: str
        responsible_person_name: str
        deadline: date

        def apply(self, problem: Problem) -> None:
            problem.measures = self.measures
            problem.responsible_person = self.responsible_person
            problem.responsible_person_name = self.responsible_person_name
            problem.deadline = self.deadline

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _clear_name_to_companion(state)

    class FactCorrected(base.FactCorrected):
        pass

    class FactWithdrawn(base.FactWithdrawn):
        pass

    class Withdrawn(LedgerAggregate.Event):
        """The whole problem was listed in error: it no longer counts anywhere."""

        reason: str

        def apply(self, problem: Problem) -> None:
            problem.withdrawn = True

    def __init__(
        self,
        provenance: Provenance,
        campaign_id: UUID,
        branch_id: UUID,
        category: ProblemCategory,
        description: str,
        measures: str,
        responsible_person: str,
        responsible_person_name: str,
        deadline: date,
    ) -> None:
        self.campaign_id = campaign_id
        self.branch_id = branch_id
        self.category = category
        self.description = description
        self.measures = measures
        self.responsible_person = responsible_person
        self.responsible_person_name = responsible_person_name
        self.deadline = deadline
        self.listed_on = provenance.occurred_on
        self.facts = Facts()
        self.withdrawn = False

    @classmethod
    def list_on_branch(
        cls,
        provenance: Provenance,
        *,
        campaign_id: UUID,
        branch_id: UUID,
        category: ProblemCategory,
        description: str,
        measures: str,
        responsible_person: str,
        deadline: date,
        responsible_person_name: str = "",
        id: UUID | None = None,
    ) -> Problem:
        """``responsible_person``: a pseudonymous id; ``responsible_person_name``: the
        person's name sealed under their key, or empty (``taizhang.domain.persons``)."""
        for name, value in (("description", description), ("measures", measures)):
            require_value(bool(value.strip()), name, "required", f"a problem needs {name}")
        check_person("responsible_person", responsible_person, responsible_person_name)
        _check_deadline(deadline, provenance.occurred_on)
        return cls._create(
            cls.Listed,
            id=id or uuid4(),
            provenance=provenance,
            campaign_id=campaign_id,
            branch_id=branch_id,
            category=ProblemCategory.of(category, "category"),
            description=description,
            measures=measures,
            responsible_person=responsible_person,
            responsible_person_name=responsible_person_name,
            deadline=deadline,
        )

    def status(self) -> RectificationStatus:
        return Problem.status_of(self.facts.values())

    @staticmethod
    def status_of(facts: list[Any]) -> RectificationStatus:
        """``status`` over a plain list of a problem's current facts: the read models
        settle thousands of problems without building an aggregate."""
        status = RectificationStatus.LISTED
        for fact in sorted(facts, key=lambda f: f.originator_version):
            if isinstance(fact, Problem.RectificationVerified):
                status = (
                    RectificationStatus.VERIFIED if fact.passed else RectificationStatus.IN_PROGRESS
                )
            else:
                status = _NEXT_STATUS[type(fact).__name__]
        return status

    def _latest_date(self) -> date:
        dates = [f.provenance.occurred_on for f in self.facts.values()]
        return max([self.listed_on, *dates])

    def check_open(self) -> None:
        require(not self.withdrawn, "problem_id", "not_withdrawn", "the problem was withdrawn")

    def _require_in_order(self, provenance: Provenance) -> None:
        latest = self._latest_date()
        require_value(
            provenance.occurred_on >= latest,
            "occurred_on",
            "not_before_previous_step",
            f"occurred_on {provenance.occurred_on} is before the problem's last step ({latest})",
        )

    def _step(
        self,
        event_class: type[Any],
        provenance: Provenance,
        allowed: set[RectificationStatus],
        **kw: Any,
    ) -> None:
        self.check_open()
        status = self.status()
        require(
            status in allowed,
            "status",
            f"from_{'_or_'.join(sorted(s.value for s in allowed))}",
            f"cannot {event_class.__name__} a problem that is {status.value}",
        )
        self._require_in_order(provenance)
        self.trigger_event(event_class, provenance=provenance, **kw)

    def start_rectification(self, provenance: Provenance, *, note: str = "") -> None:
        self._step(self.RectificationStarted, provenance, {RectificationStatus.LISTED}, note=note)

    def record_progress(self, provenance: Provenance, *, note: str, percent_done: int) -> None:
        self._step(
            self.RectificationProgressed,
            provenance,
            {RectificationStatus.IN_PROGRESS},
            note=note,
            percent_done=percent_done,
        )

    def complete_rectification(self, provenance: Provenance, *, outcome: str) -> None:
        self._step(
            self.RectificationDone, provenance, {RectificationStatus.IN_PROGRESS}, outcome=outcome
        )

    def verify_rectification(
        self,
        provenance: Provenance,
        *,
        passed: bool,
        verifier_person: str = "",
        verifier_note: str = "",
        remarks: str = "",
    ) -> None:
        """``verifier_note``: empty, or sealed under ``verifier_person``'s key."""
        self._step(
            self.RectificationVerified,
            provenance,
            {RectificationStatus.DONE},
            verifier_person=verifier_person,
            verifier_note=verifier_note,
            passed=passed,
            remarks=remarks,
        )

    def revise(
        self,
        provenance: Provenance,
        *,
        measures: str,
        responsible_person: str,
        deadline: date,
        responsible_person_name: str = "",
    ) -> None:
        self.check_open()
        require_value(bool(measures.strip()), "measures", "required", "a problem needs measures")
        check_person("responsible_person", responsible_person, responsible_person_name)
        _check_deadline(deadline, self.listed_on)
        self.trigger_event(
            self.Revised,
            provenance=provenance,
            measures=measures,
            responsible_person=responsible_person,
            responsible_person_name=responsible_person_name,
            deadline=deadline,
        )

    def withdraw(self, provenance: Provenance, *, reason: str) -> None:
        self.check_open()
        require_value(bool(reason.strip()), "reason", "required", "say why")
        self.trigger_event(self.Withdrawn, provenance=provenance, reason=reason)

    def is_overdue(self, on: date) -> bool:
        return (
            not self.withdrawn
            and self.status() in (RectificationStatus.LISTED, RectificationStatus.IN_PROGRESS)
            and self.deadline < on
        )


def _clear_name_to_companion(state: dict[str, Any]) -> None:
    state["responsible_person_name"] = state["responsible_person"]
    state["responsible_person"] = ""


def _check_deadline(deadline: date, listed_on: date) -> None:
    require_value(
        deadline >= listed_on,
        "deadline",
        "not_before_listing",
        f"deadline {deadline} is before the problem was listed ({listed_on})",
    )
