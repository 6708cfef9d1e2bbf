"""OpenAPI links: which ids an answer hands on to later operations.

A client (and schemathesis' stateful run) follows them from a registration to the
resource's reads and events, from an enrolment to the branch's work in the campaign, and
from a listed problem to its rectification. A link carries values from one answer and the
request that produced it, never from two: a branch and a campaign registered separately
meet only in an enrolment (``BranchesEnrolled``), which names both.
"""

from __future__ import annotations

from typing import Any

# The new aggregate's id: a registration, a listed problem.
CREATED = "$response.body#/aggregate_id"
# The ids the posted request named in its URL or its data.
CAMPAIGN_IN_URL = "$request.path.campaign_id"
BRANCH_IN_URL = "$request.path.branch_id"
PROBLEM_IN_URL = "$request.path.problem_id"
ENROLLED_BRANCH = "$request.body#/data/branch_ids/0"
DISTRICT_IN_DATA = "$request.body#/data/district_id"
# What follows happened on the day of what it follows: a date the domain accepted once
# (not in the future, within the campaign) rather than any date the format allows.
SAME_DAY = {"occurred_on": "$request.body#/occurred_on"}


def operation_id(endpoint: str, method: str) -> str:
    """The operationId build_spec gives the route ``endpoint`` answering ``method``."""
    return endpoint.replace(".", "_") + "_" + method.lower()


# Read-your-writes: a view read waits until the views reach the answer's log position,
# rather than answering from views that have not yet seen it (a 404 for a new branch).
SEEN_WRITE = {"header.X-Min-Position": "$response.body#/position"}


def _get(endpoint: str, **parameters: str) -> dict[str, Any]:
    if endpoint.startswith("views."):
        parameters = {**parameters, **SEEN_WRITE}
    return {"operationId": operation_id(endpoint, "get"), "parameters": parameters}


def _post(endpoint: str, body: dict[str, Any] | None = None, **parameters: str) -> dict[str, Any]:
    """Generated bodies take the link's values in place of theirs (schemathesis merges)."""
    link: dict[str, Any] = {"operationId": operation_id(endpoint, "post")}
    if parameters:
        link["parameters"] = parameters
    link["requestBody"] = {**SAME_DAY, **(body or {})}
    return link


def _reads(kind: str, key: str, value: str) -> dict[str, dict[str, Any]]:
    """A resource's state and audit history."""
    name = "".join(part.title() for part in kind.split("_"))
    return {
        f"Get{name}": _get(f"reads.get_{kind}", **{key: value}),
        f"{name}History": _get(f"reads.get_{kind}_history", **{key: value}),
    }


def _branch_reads(value: str) -> dict[str, dict[str, Any]]:
    return {
        **_reads("branch", "branch_id", value),
        "BranchTimeline": _get("views.branch_timeline", branch_id=value),
    }


def _work(campaign: str, branch: str) -> dict[str, dict[str, Any]]:
    """What follows once a branch takes part in a campaign: its facts, problems, progress.
    (Its work as an aggregate, and that history, exist from its first fact on.)"""
    ids = {"campaign_id": campaign, "branch_id": branch}
    return {
        "PostWorkEvent": _post("writes.post_work_event", **ids),
        "ListProblem": _post("writes.list_problem", **ids),
        "BranchProgress": _get("views.branch_progress", **ids),
    }


def _campaign_reads(campaign: str) -> dict[str, dict[str, Any]]:
    return {
        **_reads("campaign", "campaign_id", campaign),
        "CampaignProgress": _get("views.list_progress", campaign_id=campaign),
        "ProblemLedger": _get("views.problem_ledger", campaign_id=campaign),
        "ProblemLedgerWorkbook": _get("views.problem_ledger_workbook", campaign_id=campaign),
    }


def _in_district(endpoint: str) -> dict[str, Any]:
    """A registration in the district just registered."""
    return _post(endpoint, {"data": {"district_id": CREATED}})


# Source endpoint (each answers 201) -> link name -> OpenAPI Link object.
LINKS: dict[str, dict[str, dict[str, Any]]] = {
    "writes.register_DistrictRegistered": {
        **_reads("district", "district_id", CREATED),
        "RegisterCommittee": _in_district("writes.register_CommitteeRegistered"),
        "RegisterInstructor": _in_district("writes.register_InstructorRegistered"),
        "RegisterSupervisionGroup": _in_district("writes.register_SupervisionGroupRegistered"),
        "DefineCampaign": _in_district("writes.register_CampaignDefined"),
    },
    "writes.register_CommitteeRegistered": {
        **_reads("committee", "committee_id", CREATED),
        "PostCommitteeEvent": _post("writes.post_committee_event", committee_id=CREATED),
        "RegisterBranch": _post(
            "writes.register_BranchRegistered",
            {"data": {"committee_id": CREATED, "district_id": DISTRICT_IN_DATA}},
        ),
    },
    "writes.register_BranchRegistered": {
        **_branch_reads(CREATED),
        "PostBranchEvent": _post("writes.post_branch_event", branch_id=CREATED),
    },
    "writes.register_InstructorRegistered": _reads("instructor", "instructor_id", CREATED),
    "writes.register_SupervisionGroupRegistered": {
        **_reads("supervision_group", "group_id", CREATED),
        "PostGroupEvent": _post("writes.post_group_event", group_id=CREATED),
    },
    "writes.register_CampaignDefined": {
        **_campaign_reads(CREATED),
        "PostCampaignEvent": _post("writes.post_campaign_event", campaign_id=CREATED),
        "DistrictSupervision": _get(
            "views.district_supervision", campaign_id=CREATED, district_id=DISTRICT_IN_DATA
        ),
        "CommitteeRanking": _get(
            "views.committee_ranking", campaign_id=CREATED, district_id=DISTRICT_IN_DATA
        ),
    },
    # After BranchesEnrolled the request names the campaign (URL) and the branch (data).
    "writes.post_campaign_event": {
        **_campaign_reads(CAMPAIGN_IN_URL),
        **_work(CAMPAIGN_IN_URL, ENROLLED_BRANCH),
        "PostCampaignEvent": _post("writes.post_campaign_event", campaign_id=CAMPAIGN_IN_URL),
    },
    "writes.post_work_event": {
        **_work(CAMPAIGN_IN_URL, BRANCH_IN_URL),
        "GetBranchWork": _get(
            "reads.get_branch_work", campaign_id=CAMPAIGN_IN_URL, branch_id=BRANCH_IN_URL
        ),
        "BranchWorkHistory": _get(
            "reads.get_branch_work_history", campaign_id=CAMPAIGN_IN_URL, branch_id=BRANCH_IN_URL
        ),
        "BranchTimeline": _get("views.branch_timeline", branch_id=BRANCH_IN_URL),
        # Withdrawing the fact just recorded: the whole body is the link's, since the
        # generated body may be of any other type the resource accepts.
        "WithdrawFact": {
            **_post(
                "writes.post_work_event",
                {
                    "type": "FactWithdrawn",
                    "data": {"withdraws": "$response.body#/event_id", "reason": "recorded twice"},
                },
                campaign_id=CAMPAIGN_IN_URL,
                branch_id=BRANCH_IN_URL,
            ),
            "x-schemathesis": {"merge_body": False},
        },
    },
    "writes.list_problem": {
        **_reads("problem", "problem_id", CREATED),
        "PostProblemEvent": _post("writes.post_problem_event", problem_id=CREATED),
        "ProblemLedger": _get("views.problem_ledger", campaign_id=CAMPAIGN_IN_URL),
        "BranchProgress": _get(
            "views.branch_progress", campaign_id=CAMPAIGN_IN_URL, branch_id=BRANCH_IN_URL
        ),
    },
    "writes.post_problem_event": {
        **_reads("problem", "problem_id", PROBLEM_IN_URL),
        "PostProblemEvent": _post("writes.post_problem_event", problem_id=PROBLEM_IN_URL),
    },
    "writes.post_branch_event": {
        **_branch_reads("$request.path.branch_id"),
        "PostBranchEvent": _post("writes.post_branch_event", branch_id="$request.path.branch_id"),
    },
    "writes.post_committee_event": _reads(
        "committee", "committee_id", "$request.path.committee_id"
    ),
    "writes.post_group_event": _reads("supervision_group", "group_id", "$request.path.group_id"),
}


def add_links(document: dict[str, Any], endpoints: dict[str, str]) -> dict[str, Any]:
    """Attach LINKS to the 201 answers of ``document``; ``endpoints`` maps operationId to
    endpoint. A link to an operation the document lacks is an error, not a silent gap."""
    known = set(endpoints)
    for operations in document["paths"].values():
        for operation in operations.values():
            links = LINKS.get(endpoints[operation["operationId"]])
            if links is None or "201" not in operation["responses"]:
                continue
            for name, link in links.items():
                if link["operationId"] not in known:
                    raise LookupError(f"link {name}: no operation {link['operationId']}")
            operation["responses"]["201"]["links"] = links
    return document
