"""Posting events: one at a time to the resource it concerns, or in batches.

Endpoints parse, check the caller's scope, call ``LedgerService`` and render the answer;
the rules are the domain's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

import orjson
from flask import Blueprint, Response, g, request
from marshmallow import ValidationError

from taizhang.api.problems import ApiProblem, domain_item, error_item, flatten, validation_problem
from taizhang.api.runtime import credential, etag, expected_version, json_body, runtime, scope
from taizhang.api.schemas.envelope import BatchSchema, PostingSchema, plain_envelope
from taizhang.api.schemas.events import EVENT_SCHEMAS
from taizhang.api.schemas.plain import plain_loader
from taizhang.api.scope import Forbidden
from taizhang.api.sealing import erase_keys, note_districts, sealed
from taizhang.domain.errors import DomainError, NotFound
from taizhang.handlers import EVENT_TYPES
from taizhang.kinds import KINDS
from taizhang.service import Answer, BatchRejected, Conflict, Posting, PreconditionFailed

bp = Blueprint("writes", __name__, url_prefix="/api/v1")


def _types(test: Callable[[str, Any], bool]) -> frozenset[str]:
    return frozenset(name for name, spec in EVENT_TYPES.items() if test(name, spec))


CORRECTIONS = frozenset({"FactCorrected", "FactWithdrawn"})
# Which event types each resource's /events accepts.
ACCEPTS: dict[str, frozenset[str]] = {
    "branch": _types(lambda n, s: s.concerns == "branch" and not s.creates),
    "campaign": _types(lambda n, s: s.concerns == "campaign" and not s.creates),
    "branch_work": _types(lambda n, s: s.concerns == "branch_work"),
    "branch_life": _types(lambda n, s: s.concerns == "branch_life") | CORRECTIONS,
    "committee_life": _types(lambda n, s: s.concerns == "committee_life"),
    "life_programme": _types(lambda n, s: s.concerns == "life_programme"),
    "life_theme": _types(lambda n, s: s.concerns == "life_theme"),
    "problem": _types(lambda n, s: s.concerns == "problem" and not s.creates) | CORRECTIONS,
    "committee": _types(lambda n, s: s.concerns == "committee" and not s.creates),
    "supervision_group": _types(lambda n, s: s.concerns == "supervision_group" and not s.creates),
    "grading_round": _types(lambda n, s: s.concerns == "grading_round" and not s.creates),
    "yearly_review": _types(lambda n, s: s.concerns == "yearly_review" and not s.creates),
    "candidate": _types(lambda n, s: s.concerns == "candidate" and not s.creates),
    "host_organization": _types(lambda n, s: s.concerns == "host_organization" and not s.creates),
}


def location(event_type: str, answer: Answer, data: Mapping[str, Any]) -> str:
    concerns = EVENT_TYPES[event_type].concerns
    if event_type in CORRECTIONS and "problem_id" in data:
        concerns = "problem"
    elif event_type in CORRECTIONS and "campaign_id" not in data:
        concerns = "branch_life"
    if event_type == "ThemePublished":
        return f"/api/v1/party-life/themes/{answer.aggregate_id}"
    if concerns == "life_programme":
        owner = (
            f"committees/{data['committee_id']}"
            if data.get("committee_id") is not None
            else f"districts/{data['district_id']}"
        )
        return f"/api/v1/{owner}/party-life/programme?year={data['year']}"
    return where(concerns, answer.aggregate_id, data)


def where(kind_name: str, aggregate_id: UUID, data: Mapping[str, Any]) -> str:
    """Where the resource of this kind that an answered post concerns can be read."""
    kind = KINDS[kind_name]
    ids = {i: data[i] for i in kind.ids} if not kind.own_id else {kind.own_id: aggregate_id}
    return "/api/v1" + re.sub(r"<uuid:(\w+)>", lambda m: str(ids[m.group(1)]), kind.path)


def answer_body(
    answer: Answer, event_type: str, *, aggregate_text: str | None = None
) -> dict[str, Any]:
    """``event_type`` is the posted name (``InstructorRegistered``), not the class name."""
    return {
        "event_id": str(answer.event_id),
        "event_type": event_type,
        "aggregate_id": aggregate_text or str(answer.aggregate_id),
        "version": answer.version,
        "position": answer.position,
        # The receipt: the event's link in the log's hash chain (docs/EVIDENCE.md).
        "chain_hash": _hex(runtime().ledger.link_of(answer.position)),
    }


def _hex(link: bytes | None) -> str | None:
    return None if link is None else link.hex()


# Building a marshmallow schema copies its declared fields, which cost more than a load; a
# schema keeps no state between loads, so one instance per schema serves every request.
_POSTING_SCHEMA = PostingSchema()
_BATCH_SCHEMA = BatchSchema()
DATA_SCHEMAS = {name: schema() for name, schema in EVENT_SCHEMAS.items()}
PLAIN_LOADERS = {name: plain_loader(schema) for name, schema in DATA_SCHEMAS.items()}


def _load_data(event_type: str, data: Any, ids: Mapping[str, UUID], prefix: str) -> dict[str, Any]:
    """The posted data with the URL's ids filled in, loaded by the event type's schema."""
    if not isinstance(data, dict):
        raise ValidationError({"data": ["must be an object"]})
    merged = dict(data)
    for field, value in ids.items():
        given = merged.get(field)
        if given is not None and str(given).lower() != str(value):
            raise ApiProblem(
                422,
                f"data.{field} differs from the id in the URL",
                slug="validation",
                errors=[
                    error_item(prefix + field, "matches_url", f"the URL names {field} {value}")
                ],
            )
        merged[field] = str(value)
    plain = PLAIN_LOADERS[event_type]
    if plain is not None and (loaded_plainly := plain(merged)) is not None:
        return loaded_plainly
    try:
        loaded: dict[str, Any] = DATA_SCHEMAS[event_type].load(merged)
    except ValidationError as error:
        raise validation_problem(error, prefix) from None
    return loaded


def _posting(
    body: Any, allowed: frozenset[str], implied: str | None, ids: Mapping[str, UUID]
) -> Posting:
    envelope = plain_envelope(body)
    if envelope is None:
        try:
            envelope = _POSTING_SCHEMA.load(body)
        except ValidationError as error:
            raise validation_problem(error) from None
    event_type = envelope.get("type") or implied
    if event_type is None:
        raise ApiProblem(
            422,
            "name the event type",
            slug="validation",
            errors=[error_item("type", "required", "Missing data for required field.")],
        )
    if event_type not in allowed:
        known = event_type in EVENT_TYPES
        raise ApiProblem(
            422,
            f"{event_type} cannot be posted here" if known else f"unknown type {event_type}",
            slug="validation",
            errors=[
                error_item(
                    "type",
                    "allowed_here" if known else "known_event_type",
                    f"this resource accepts: {', '.join(sorted(allowed))}",
                )
            ],
        )
    data = _load_data(event_type, envelope["data"], ids, "data.")
    return Posting(
        type=event_type,
        occurred_on=envelope["occurred_on"],
        data=data,
        client_event_id=envelope.get("client_event_id"),
    )


def _encode(body: Any) -> bytes:
    # The answers hold only strings, numbers and None; orjson writes a batch's thousand
    # of them several times faster than the json module.
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def _created(posting: Posting, answer: Answer) -> Response:
    response = Response(
        _encode(answer_body(answer, posting.type)), status=201, mimetype="application/json"
    )
    g.stored_types = [posting.type]
    response.headers["Location"] = location(posting.type, answer, posting.data)
    response.headers["ETag"] = etag(answer.version)
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def post_one(allowed: frozenset[str], implied: str | None = None, **ids: UUID) -> Response:
    body = json_body()
    posting = _posting(body, allowed, implied, ids)
    scope().may_post(posting.type, dict(posting.data))
    posting = sealed(posting)
    version = expected_version()
    answer = runtime().service.post(credential().caller, posting, expected_version=version)
    erase_keys([posting])
    note_districts([posting])
    return _created(posting, answer)


# -- registrations --------------------------------------------------------------------------


def _registration(path: str, event_type: str) -> None:
    def register() -> Response:
        return post_one(frozenset({event_type}), event_type)

    register.__name__ = f"register_{event_type}"
    register.__doc__ = f"Register: post a {event_type} (type may be omitted)."
    bp.add_url_rule(path, view_func=register, methods=["POST"])


_registration("/districts", "DistrictRegistered")
_registration("/committees", "CommitteeRegistered")
_registration("/branches", "BranchRegistered")
_registration("/instructors", "InstructorRegistered")
_registration("/supervision-groups", "SupervisionGroupRegistered")
_registration("/campaigns", "CampaignDefined")
_registration("/grading-rounds", "GradingRoundDefined")
_registration("/yearly-reviews", "YearlyReviewOpened")
_registration("/host-organizations", "HostOrganizationRegistered")


@bp.post("/campaigns/<uuid:campaign_id>/branches/<uuid:branch_id>/problems")
def list_problem(campaign_id: UUID, branch_id: UUID) -> Response:
    """List a problem on a branch's problem list (ProblemListed)."""
    return post_one(
        frozenset({"ProblemListed"}), "ProblemListed", campaign_id=campaign_id, branch_id=branch_id
    )


@bp.post("/branches/<uuid:branch_id>/candidates")
def apply_for_membership(branch_id: UUID) -> Response:
    """A person's written application to the branch (MembershipApplied, seed 002 (1)): the
    person is known from here on by the pseudonymous id the answer gives."""
    return post_one(frozenset({"MembershipApplied"}), "MembershipApplied", branch_id=branch_id)


# -- events on existing resources -----------------------------------------------------------


@bp.post("/branches/<uuid:branch_id>/events")
def post_branch_event(branch_id: UUID) -> Response:
    """Post an event about a branch (membership, formation, instructors, rectification)."""
    return post_one(ACCEPTS["branch"], branch_id=branch_id)


@bp.post("/branches/<uuid:branch_id>/party-life/events")
def post_life_event(branch_id: UUID) -> Response:
    """Post a fact of a branch's regular organizational life (a meeting, lecture, themed
    party day, evaluation held; a delay requested or approved)."""
    return post_one(ACCEPTS["branch_life"], branch_id=branch_id)


@bp.post("/committees/<uuid:committee_id>/party-life/events")
def post_committee_life_event(committee_id: UUID) -> Response:
    """Post an activity the committee itself holds (an exchange visit, the secretaries'
    reporting and assessment, seed 003 §二)."""
    return post_one(ACCEPTS["committee_life"], committee_id=committee_id)


@bp.post("/districts/<uuid:district_id>/party-life/programmes")
def post_programme_event(district_id: UUID) -> Response:
    """Set a version of the district's (or with committee_id one of its committees')
    programme of organizational life for a year, in force from occurred_on."""
    return post_one(ACCEPTS["life_programme"], "LifeProgrammeSet", district_id=district_id)


@bp.post("/districts/<uuid:district_id>/party-life/themes")
def post_theme(district_id: UUID) -> Response:
    """Publish the theme of a month and its unified date for the district's branches (the
    office), or with committee_id for one committee's branches (seed 003 §二 "1")."""
    return post_one(frozenset({"ThemePublished"}), "ThemePublished", district_id=district_id)


@bp.post("/party-life/themes/<uuid:theme_id>/events")
def post_theme_event(theme_id: UUID) -> Response:
    """Revise a theme of the month (its text or unified date) or withdraw it."""
    return post_one(ACCEPTS["life_theme"] - {"ThemePublished"}, theme_id=theme_id)


@bp.post("/campaigns/<uuid:campaign_id>/events")
def post_campaign_event(campaign_id: UUID) -> Response:
    """Post an event about a campaign (enrolment, withdrawal, deadlines)."""
    return post_one(ACCEPTS["campaign"], campaign_id=campaign_id)


@bp.post("/campaigns/<uuid:campaign_id>/branches/<uuid:branch_id>/events")
def post_work_event(campaign_id: UUID, branch_id: UUID) -> Response:
    """Post a fact of a branch's work in a campaign, or a correction of one."""
    return post_one(ACCEPTS["branch_work"], campaign_id=campaign_id, branch_id=branch_id)


@bp.post("/problems/<uuid:problem_id>/events")
def post_problem_event(problem_id: UUID) -> Response:
    """Post a rectification step, revision, withdrawal or correction of a problem."""
    return post_one(ACCEPTS["problem"], problem_id=problem_id)


@bp.post("/committees/<uuid:committee_id>/events")
def post_committee_event(committee_id: UUID) -> Response:
    """Post an event about a committee (renamed, contact point chosen)."""
    return post_one(ACCEPTS["committee"], committee_id=committee_id)


@bp.post("/supervision-groups/<uuid:group_id>/events")
def post_group_event(group_id: UUID) -> Response:
    """Post an event about a supervision group (scope assigned or unassigned)."""
    return post_one(ACCEPTS["supervision_group"], group_id=group_id)


@bp.post("/grading-rounds/<uuid:round_id>/events")
def post_grading_event(round_id: UUID) -> Response:
    """Post a survey, grade, objection, re-grade or upgrading step of a grading round."""
    return post_one(ACCEPTS["grading_round"], round_id=round_id)


@bp.post("/yearly-reviews/<uuid:review_id>/events")
def post_review_event(review_id: UUID) -> Response:
    """Post a secretary's assessment, a venue check, funds or an inspection of their use."""
    return post_one(ACCEPTS["yearly_review"], review_id=review_id)


@bp.post("/candidates/<uuid:candidate_id>/events")
def post_candidate_event(candidate_id: UUID) -> Response:
    """Post a step of a person's path to membership (seed 002) or a recommendation (seed 004)."""
    return post_one(ACCEPTS["candidate"], candidate_id=candidate_id)


@bp.post("/host-organizations/<uuid:host_organization_id>/events")
def post_host_organization_event(host_organization_id: UUID) -> Response:
    """Post an event about a two-new organization on the register (staff counted, moved,
    covered by a branch, instructor or liaison sent, mass organizations, closed)."""
    return post_one(ACCEPTS["host_organization"], host_organization_id=host_organization_id)


# -- batches --------------------------------------------------------------------------------

ALL_TYPES = frozenset(EVENT_TYPES)


@bp.post("/batches")
def post_batch() -> Response:
    """Post up to 1,000 events, stored all or nothing."""
    body = json_body()
    try:
        batch = _BATCH_SCHEMA.load(body)
    except ValidationError as error:
        raise _indexed(validation_problem(error)) from None
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 200):
        raise ApiProblem(
            422,
            "Idempotency-Key must be 1-200 characters",
            slug="validation",
            errors=[error_item("Idempotency-Key", "length", "1-200 characters")],
        )
    postings: list[Posting] = []
    errors: list[dict[str, Any]] = []
    caller_scope = scope()
    for index, item in enumerate(batch["items"]):
        prefix = f"items.{index}."
        if not isinstance(item, dict):
            errors.append(
                {**error_item(f"items.{index}", "type", "must be an object"), "index": index}
            )
            continue
        try:
            posting = _posting(item, ALL_TYPES, None, {})
            caller_scope.may_post(posting.type, dict(posting.data))
            posting = sealed(posting)
        except ApiProblem as problem:
            for entry in problem.errors or []:
                errors.append({**entry, "field": prefix + entry["field"], "index": index})
            continue
        except Forbidden as error:
            # Its field is the posting's (``type``, ``data.corrects``, ``Authorization``).
            errors.append({**domain_item(error, prefix), "index": index})
            continue
        except (NotFound, DomainError) as error:
            errors.append({**domain_item(error, prefix + "data."), "index": index})
            continue
        postings.append(posting)
    if errors:
        raise _rejected(errors)
    try:
        answers = runtime().service.post_batch(credential().caller, postings, idempotency_key=key)
    except BatchRejected as rejected:
        raise _rejected(
            [
                {**domain_item(error, f"items.{index}.data."), "index": index}
                for index, error in rejected.errors
            ]
        ) from None
    except (Conflict, PreconditionFailed, DomainError) as error:
        raise _rejected([domain_item(error, "")]) from None
    erase_keys(postings)
    note_districts(postings)
    items = _batch_answers(postings, answers)
    g.stored_types = [p.type for p in postings]
    response = Response(_encode({"items": items}), status=201, mimetype="application/json")
    if any(a.replayed for a in answers) and all(a.replayed for a in answers):
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _batch_answers(postings: list[Posting], answers: list[Answer]) -> list[dict[str, Any]]:
    # A batch's items share a few hundred aggregates: each one's id and location are
    # written once (an aggregate's location follows from its id).
    written: dict[UUID, tuple[str, str]] = {}
    items = []
    for posting, answer in zip(postings, answers, strict=True):
        known = written.get(answer.aggregate_id)
        if known is None:
            known = (str(answer.aggregate_id), location(posting.type, answer, posting.data))
            written[answer.aggregate_id] = known
        item = answer_body(answer, posting.type, aggregate_text=known[0])
        item["location"] = known[1]
        items.append(item)
    return items


def _rejected(errors: list[dict[str, Any]]) -> ApiProblem:
    indexes = sorted({e["index"] for e in errors if "index" in e})
    detail = (
        f"nothing was stored: items {', '.join(map(str, indexes))} were refused"
        if indexes
        else "nothing was stored"
    )
    status = 409 if errors and all(e.get("status") == 409 for e in errors) and not indexes else 422
    return ApiProblem(status, detail, slug="batch-rejected", errors=errors)


def _indexed(problem: ApiProblem) -> ApiProblem:
    for entry in problem.errors or []:
        parts = entry["field"].split(".")
        if len(parts) > 1 and parts[0] == "items" and parts[1].isdigit():
            entry["index"] = int(parts[1])
    return problem


__all__ = ["bp", "flatten"]
