"""A person's path to party membership (发展党员), seed 002 发展党员工作制度, and the
recommendations of mass organizations on it (推优), seed 004 四(三): the commands.

One ``Candidate`` per person, named by a pseudonymous id (the aggregate's id): no event
holds a name. Each step is an event (``taizhang.domain.member_steps``) with its business date; who
decided is the event's provenance actor (from the credentials), never the body. The path's
state and its checks are ``taizhang.domain.member_path.Path``. Time rules that a step breaks are
refused, unless the upper committee recorded an exception for that rule
(``ExceptionGranted``), which the step then uses up and names (``waived``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from . import member_steps as steps
from .base import LedgerAggregate
from .errors import require, require_value
from .member_path import (
    ACTIVIST,
    APPLICANT,
    CANCELLED,
    CANDIDATE,
    FULL_MEMBER,
    PROBATIONARY,
    WAIVABLE,
    Path,
)
from .member_rules import (
    admission_carried,
    at_least_a_year,
    member_ids,
    months_after,
    publicity_days,
    quorate,
    recommendation_carried,
    training_enough,
    votes_of,
)
from .member_vocabulary import (
    ConversionOutcome,
    MassOrganization,
    OpinionSource,
    RecommendedAs,
    VoteMethod,
)
from .provenance import Provenance


class Candidate(LedgerAggregate, Path):
    """One person's path: its state and checks from ``Path``, its steps as commands."""

    # The steps (domain/member_steps.py), redefined here by the library under this name.
    Step = steps.Step
    MembershipApplied = steps.MembershipApplied
    RecommendedByMassOrganization = steps.RecommendedByMassOrganization
    ActivistDesignated = steps.ActivistDesignated
    ContactsNamed = steps.ContactsNamed
    ThoughtReportReceived = steps.ThoughtReportReceived
    ActivistAssessed = steps.ActivistAssessed
    DevelopmentCandidateDesignated = steps.DevelopmentCandidateDesignated
    PoliticalReviewDone = steps.PoliticalReviewDone
    TrainingCompleted = steps.TrainingCompleted
    SponsorsNamed = steps.SponsorsNamed
    AdmissionVoted = steps.AdmissionVoted
    PublicityHeld = steps.PublicityHeld
    AdmissionApproved = steps.AdmissionApproved
    ConversionVoted = steps.ConversionVoted
    ConversionApproved = steps.ConversionApproved
    PersonalDataRecorded = steps.PersonalDataRecorded
    PersonErased = steps.PersonErased
    ExceptionGranted = steps.ExceptionGranted
    StepCorrected = steps.StepCorrected
    StepWithdrawn = steps.StepWithdrawn

    def _step(
        self, cls: type[Any], p: Provenance, waived: list[str], docs: list[str], **kw: Any
    ) -> None:
        self.trigger_event(cls, provenance=p, waived=sorted(waived), document_ids=list(docs), **kw)

    # -- commands --------------------------------------------------------------------------

    @classmethod
    def apply_for_membership(
        cls,
        provenance: Provenance,
        branch_id: UUID,
        committee_id: UUID,
        document_ids: list[str] | None = None,
        id: UUID | None = None,
    ) -> Candidate:
        return cls._create(
            cls.MembershipApplied,
            id=id or uuid4(),
            provenance=provenance,
            branch_id=branch_id,
            committee_id=committee_id,
            document_ids=list(document_ids or []),
        )

    def recommend(
        self,
        p: Provenance,
        organization: str,
        organization_name: str,
        recommended_as: str,
        votes: dict[str, int],
        document_ids: list[str] | None = None,
    ) -> None:
        org = MassOrganization.of(organization, "organization").value
        target = RecommendedAs.of(recommended_as, "recommended_as").value
        require_value(
            bool(organization_name.strip()),
            "organization_name",
            "required",
            "name the organization",
        )
        entitled, _, in_favour, _, _ = votes_of(votes)
        require(
            org == "youth_league" or target == ACTIVIST,
            "recommended_as",
            "who_recommends_what",
            'seed 004 四(三)3: "工会和妇女组织推荐入党申请人成为入党积极分子"; only the Youth '
            'League recommends "入党积极分子成为党的发展对象"',
        )
        self._at((APPLICANT,) if target == ACTIVIST else (ACTIVIST,), "recommended_as")
        require(
            recommendation_carried(entitled, in_favour),
            "votes.in_favour",
            "half_of_entitled",
            f'seed 004 四(三)3: "赞成数不低于应到会有表决权人数的一半": {in_favour} in favour '
            f"of {entitled} entitled to vote",
        )
        self._step(
            self.RecommendedByMassOrganization,
            p,
            [],
            document_ids or [],
            organization=org,
            organization_name=organization_name.strip(),
            recommended_as=target,
            votes=dict(votes),
        )

    def designate_activist(self, p: Provenance, document_ids: list[str] | None = None) -> None:
        self._at((APPLICANT,))
        self._on_or_after(p, self.applied_on, "the application")
        waived: list[str] = []
        self._timed(
            at_least_a_year(self.applied_on, p.occurred_on),
            "occurred_on",
            "activist_after_a_year",
            f'seed 002 (2): "经考察一年以上…可确定为入党积极分子": applied on {self.applied_on}, '
            f"a year is complete on {months_after(self.applied_on, 12)}",
            waived,
        )
        self._step(self.ActivistDesignated, p, waived, document_ids or [])

    def name_contacts(
        self, p: Provenance, contact_ids: list[str], document_ids: list[str] | None = None
    ) -> None:
        self._at((ACTIVIST, CANDIDATE))
        ids = member_ids(
            contact_ids,
            "contact_ids",
            1,
            2,
            'seed 002 (3): "党组织指定1~2名正式党员做其培养联系人"',
        )
        self._step(self.ContactsNamed, p, [], document_ids or [], contact_ids=ids)

    def receive_thought_report(self, p: Provenance, document_ids: list[str] | None = None) -> None:
        self._at((ACTIVIST, CANDIDATE, PROBATIONARY))
        self._step(self.ThoughtReportReceived, p, [], document_ids or [])

    def assess_activist(
        self, p: Provenance, opinion: str, document_ids: list[str] | None = None
    ) -> None:
        self._at((ACTIVIST, CANDIDATE))
        require_value(
            bool(opinion.strip()),
            "opinion",
            "required",
            'seed 002 (4): "分别提出培养意见和措施"',
        )
        self._step(self.ActivistAssessed, p, [], document_ids or [], opinion=opinion.strip())

    def designate_development_candidate(
        self, p: Provenance, opinions_heard: list[str], document_ids: list[str] | None = None
    ) -> None:
        self._at((ACTIVIST,))
        heard = sorted({OpinionSource.of(o, "opinions_heard").value for o in opinions_heard})
        missing = sorted({o.value for o in OpinionSource} - set(heard))
        require(
            not missing,
            "opinions_heard",
            "opinions_heard",
            f'seed 002 (5): "在听取党小组、培养联系人和党内外群众意见的基础上"; not heard: '
            f"{', '.join(missing)}",
        )
        require(
            bool(self.contacts),
            "contact_ids",
            "contacts_named",
            'seed 002 (3): "对入党积极分子，党组织指定1~2名正式党员做其培养联系人"; none named',
        )
        assert self.activist_on is not None
        waived: list[str] = []
        self._timed(
            at_least_a_year(self.activist_on, p.occurred_on),
            "occurred_on",
            "candidate_after_a_year",
            f'seed 002 (5): "入党积极分子经过一年以上培养教育后…可列为发展对象": activist on '
            f"{self.activist_on}, a year is complete on {months_after(self.activist_on, 12)}",
            waived,
        )
        self._step(
            self.DevelopmentCandidateDesignated,
            p,
            waived,
            document_ids or [],
            opinions_heard=heard,
        )

    def do_political_review(
        self, p: Provenance, passed: bool, document_ids: list[str] | None = None
    ) -> None:
        self._at((CANDIDATE,))
        self._step(self.PoliticalReviewDone, p, [], document_ids or [], passed=bool(passed))

    def complete_training(
        self, p: Provenance, days: int, class_hours: int, document_ids: list[str] | None = None
    ) -> None:
        self._at((CANDIDATE,))
        require_value(days >= 0 and class_hours >= 0, "days", "not_negative", "no negative time")
        waived: list[str] = []
        self._timed(
            training_enough(days, class_hours),
            "class_hours",
            "training_length",
            f'seed 002 (7): "时间一般为5~7天(或不少于40学时)": {days} days, {class_hours} hours',
            waived,
        )
        self._step(
            self.TrainingCompleted,
            p,
            waived,
            document_ids or [],
            days=days,
            class_hours=class_hours,
        )

    def name_sponsors(
        self, p: Provenance, sponsor_ids: list[str], document_ids: list[str] | None = None
    ) -> None:
        self._at((CANDIDATE,))
        ids = member_ids(
            sponsor_ids, "sponsor_ids", 2, 2, 'seed 002 (8): "发展对象要有两名正式党员做入党介绍人"'
        )
        self._step(self.SponsorsNamed, p, [], document_ids or [], sponsor_ids=ids)

    def _meeting(self, method: str, votes: dict[str, int]) -> tuple[str, bool]:
        how = VoteMethod.of(method, "method").value
        entitled, present, in_favour, _, _ = votes_of(votes)
        require(
            quorate(entitled, present),
            "votes.present",
            "quorum",
            f"{present} of {entitled} entitled present: the branch members' meeting (002 (10) "
            '"召开接收预备党员的支部大会") needs more than half (细则 第二十六条)',
        )
        return how, admission_carried(entitled, in_favour)

    def vote_admission(
        self,
        p: Provenance,
        method: str,
        votes: dict[str, int],
        document_ids: list[str] | None = None,
    ) -> None:
        self._at((CANDIDATE,))
        require(
            self.review_passed is True,
            "political_review",
            "reviewed_before_admission",
            'seed 002 (6): "凡没有经过政治审查的，不能发展入党"',
        )
        require(
            self.trained,
            "training",
            "trained_before_admission",
            'seed 002 (7): "发展对象必须参加短期集中教育培训"',
        )
        require(
            len(self.sponsors) == 2,
            "sponsor_ids",
            "sponsors_named",
            'seed 002 (8): "发展对象要有两名正式党员做入党介绍人"',
        )
        how, carried = self._meeting(method, votes)
        self._step(
            self.AdmissionVoted,
            p,
            [],
            document_ids or [],
            method=how,
            votes=dict(votes),
            carried=carried,
        )

    def hold_publicity(
        self,
        p: Provenance,
        starts_on: date,
        ends_on: date,
        document_ids: list[str] | None = None,
    ) -> None:
        self._at((CANDIDATE,))
        require(
            self.admission_vote is not None and self.admission_vote[1],
            "admission_vote",
            "after_admission_vote",
            'seed 002 (10)-(11): the publicity follows the branch meeting\'s vote ("公示")',
        )
        assert self.admission_vote is not None
        require_value(starts_on <= ends_on, "ends_on", "after_start", "ends before it starts")
        require(
            starts_on >= self.admission_vote[0],
            "starts_on",
            "not_before_previous_step",
            f"the publicity starts before the vote ({self.admission_vote[0]})",
        )
        waived: list[str] = []
        self._timed(
            publicity_days(starts_on, ends_on) >= 3,
            "ends_on",
            "publicity_three_days",
            f'seed 002 (11): "公示的时间为3天": {starts_on} to {ends_on} is '
            f"{publicity_days(starts_on, ends_on)} days",
            waived,
        )
        self._step(
            self.PublicityHeld,
            p,
            waived,
            document_ids or [],
            starts_on=starts_on,
            ends_on=ends_on,
        )

    def approve_admission(
        self, p: Provenance, approved: bool, document_ids: list[str] | None = None
    ) -> None:
        self._at((CANDIDATE,))
        require(
            self.admission_vote is not None and self.admission_vote[1],
            "admission_vote",
            "after_admission_vote",
            'seed 002 (13): "审批下一级党组织上报的接收预备党员的决议"; no carried vote',
        )
        require(
            self.publicity is not None and p.occurred_on > self.publicity[1],
            "publicity",
            "after_publicity",
            'seed 002 (11): "公示期满后，如无问题，提交党委会讨论审批"',
        )
        assert self.admission_vote is not None
        vote_on = self.admission_vote[0]
        waived: list[str] = []
        self._timed(
            p.occurred_on <= months_after(vote_on, 3),
            "occurred_on",
            "approval_within_three_months",
            f"the upper committee decides within 3 months of the branch meeting ({vote_on}), "
            f'by {months_after(vote_on, 3)} (seed 002 3(6): "应在3 个月内讨论审批")',
            waived,
        )
        self._step(self.AdmissionApproved, p, waived, document_ids or [], approved=bool(approved))

    def vote_conversion(
        self,
        p: Provenance,
        outcome: str,
        method: str,
        votes: dict[str, int],
        extension_months: int = 0,
        document_ids: list[str] | None = None,
    ) -> None:
        self._at((PROBATIONARY,))
        what = ConversionOutcome.of(outcome, "outcome").value
        assert self.probation_ends is not None
        require(
            p.occurred_on >= self.probation_ends,
            "occurred_on",
            "probation_expired",
            f'seed 002 3(3): "预备期满后…提出转正申请": probation ends on {self.probation_ends}',
        )
        require(
            self.conversion_vote is None,
            "outcome",
            "one_pending_vote",
            "a conversion vote already awaits the upper committee",
        )
        if what == "extend":
            require(
                not self.extended,
                "outcome",
                "one_extension",
                'seed 002 3(4): "可延长一次预备期"; it was extended once already',
            )
            require_value(
                6 <= extension_months <= 12,
                "extension_months",
                "six_to_twelve_months",
                f'seed 002 3(4): "延长时间不能少于半年，最长不超过一年": {extension_months} months',
            )
        else:
            require_value(
                extension_months == 0,
                "extension_months",
                "only_when_extending",
                "months are given only for an extension",
            )
        how, carried = self._meeting(method, votes)
        self._step(
            self.ConversionVoted,
            p,
            [],
            document_ids or [],
            outcome=what,
            extension_months=extension_months,
            method=how,
            votes=dict(votes),
            carried=carried,
        )

    def approve_conversion(
        self, p: Provenance, approved: bool, document_ids: list[str] | None = None
    ) -> None:
        self._at((PROBATIONARY,))
        vote = self.conversion_vote
        require(
            vote is not None and vote[2],
            "conversion_vote",
            "after_conversion_vote",
            'seed 002 3(4): "都必须经支部大会讨论通过并报上级党委批准"; no carried vote',
        )
        assert vote is not None
        self._on_or_after(p, vote[0], "the branch meeting")
        waived: list[str] = []
        self._timed(
            p.occurred_on <= months_after(vote[0], 3),
            "occurred_on",
            "conversion_approval_within_three_months",
            f'seed 002 3(6): "党委对党支部上报的预备党员转正的决议,应在3 个月内讨论审批": '
            f"the meeting was on {vote[0]}, the last day is {months_after(vote[0], 3)}",
            waived,
        )
        self._step(self.ConversionApproved, p, waived, document_ids or [], approved=bool(approved))

    def record_personal_data(
        self, p: Provenance, sealed_name: str, document_ids: list[str] | None = None
    ) -> None:
        require(not self.erased, "candidate_id", "not_erased", "the person was erased")
        require_value(bool(sealed_name), "name", "required", "name the person")
        self._step(self.PersonalDataRecorded, p, [], document_ids or [], sealed_name=sealed_name)

    def erase(self, p: Provenance, reason: str, document_ids: list[str] | None = None) -> None:
        require(not self.erased, "candidate_id", "not_erased", "the person was erased already")
        require_value(bool(reason.strip()), "reason", "required", "an erasure says why")
        self._step(self.PersonErased, p, [], document_ids or [], reason=reason.strip())

    def grant_exception(
        self, p: Provenance, rule: str, reason: str, document_ids: list[str] | None = None
    ) -> None:
        require_value(
            rule in WAIVABLE,
            "rule",
            "waivable",
            f"the upper committee may set aside: {', '.join(sorted(WAIVABLE))}",
        )
        require_value(bool(reason.strip()), "reason", "required", "an exception says why")
        require(
            self.stage not in (FULL_MEMBER, CANCELLED),
            "stage",
            "path_open",
            "the path has ended",
        )
        self._step(self.ExceptionGranted, p, [], document_ids or [], rule=rule, reason=reason)
