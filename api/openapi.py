"""The OpenAPI 3 document, generated from the routes and the marshmallow schemas, and a
Swagger UI page served from the swagger-ui-bundle package (no CDN needed)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import swagger_ui_bundle
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, json, send_from_directory
from marshmallow import INCLUDE, Schema, fields

from taizhang.api import accounts, erasure
from taizhang.api.openapi_links import add_links, operation_id
from taizhang.api.schemas.envelope import BatchSchema
from taizhang.api.schemas.events import EVENT_SCHEMAS
from taizhang.api.schemas.grade_corrections import GradingTimelineQuery, RoundsQuery
from taizhang.api.schemas.grading import GradingQuery, YearlyQuery
from taizhang.api.schemas.members import MemberPipelineQuery
from taizhang.api.schemas.party_life import PartyLifeListQuery, PartyLifeThemesQuery
from taizhang.api.schemas.queries import (
    CheckpointsQuery,
    ConsistencyQuery,
    FeedQuery,
    HistoryQuery,
    InclusionQuery,
    MeQuery,
    PartyLifeQuery,
    ProblemQuery,
    RankingQuery,
    StateQuery,
    SuggestionQuery,
    TimelineQuery,
    ViewQuery,
)
from taizhang.api.views import XLSX
from taizhang.api.writes import ACCEPTS
from taizhang.kinds import KINDS

bp = Blueprint("openapi", __name__)

EVIDENCE_QUERIES: dict[str, type[Schema]] = {
    "evidence.checkpoints": CheckpointsQuery,
    "evidence.inclusion": InclusionQuery,
    "evidence.consistency": ConsistencyQuery,
}

# The ids each kind of URL fills in. The document leaves them out of the posted data: the
# API accepts one there only if it repeats the URL's, which a schema cannot say.
URL_IDS = {name: kind.ids for name, kind in KINDS.items()}


class ProblemSchema(Schema):
    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(allow_none=True)
    errors = fields.List(fields.Dict())


class AnswerSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    aggregate_id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    position = fields.Integer(allow_none=True)
    chain_hash = fields.String(allow_none=True)


class BatchAnswerItem(AnswerSchema):
    location = fields.String(required=True)


class BatchAnswerSchema(Schema):
    items = fields.List(fields.Nested(BatchAnswerItem), required=True)


class PageSchema(Schema):
    class Meta:
        unknown = INCLUDE

    items = fields.List(fields.Dict(), required=True)
    next = fields.String(allow_none=True, required=True)


class FeedPageSchema(PageSchema):
    last_position = fields.Integer(required=True)


def _without(schema: type[Schema], ids: tuple[str, ...]) -> Schema:
    return schema(exclude=[name for name in ids if name in schema._declared_fields])


def _envelope(event_type: str, data_ref: str, implied: bool) -> dict[str, Any]:
    type_schema: dict[str, Any] = {"type": "string", "enum": [event_type]}
    required = ["occurred_on", "data"] if implied else ["type", "occurred_on", "data"]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": {
            "type": type_schema,
            "occurred_on": {"type": "string", "format": "date"},
            "client_event_id": {"type": "string", "minLength": 1, "maxLength": 200},
            "data": {"$ref": f"#/components/schemas/{data_ref}"},
        },
    }


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = {"type": "string", "format": "uuid"} if converter == "uuid" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def _problem_responses() -> dict[str, Any]:
    return {"default": {"description": "an error (problem+json)", "content": _problem_content()}}


def _problem_content() -> dict[str, Any]:
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="taizhang 台账",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Post what branches did in the campaign; read progress, supervision "
            "views and audit history. Errors are RFC 9457 problem+json."
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.schema("Answer", schema=AnswerSchema)
    spec.components.schema("BatchAnswer", schema=BatchAnswerSchema)
    spec.components.schema("Page", schema=PageSchema)
    spec.components.schema("FeedPage", schema=FeedPageSchema)
    spec.components.schema("Batch", schema=BatchSchema)
    for name, schema in {**accounts.SCHEMAS, **erasure.SCHEMAS}.items():
        spec.components.schema(name, schema=schema)
    for name, schema in EVENT_SCHEMAS.items():
        spec.components.schema(f"{name}Data", schema=schema)
    by_kind: dict[str, set[str]] = {}
    for kind, types in ACCEPTS.items():
        for name in types:
            if (kind, name) == ("life_theme", "ThemePublished"):
                continue  # posted to its district (post_theme), not to a theme
            ref = f"{name}Data.{kind}"
            by_kind.setdefault(kind, set()).add(ref)
            spec.components.schema(
                ref, schema=_without(EVENT_SCHEMAS[name], URL_IDS[kind]), lazy=False
            )
    spec.components.schema(
        "ProblemListedData.problem_listing",
        schema=_without(EVENT_SCHEMAS["ProblemListed"], ("campaign_id", "branch_id")),
    )
    spec.components.schema(
        "ThemePublishedData.theme_publishing",
        schema=_without(EVENT_SCHEMAS["ThemePublished"], ("district_id",)),
    )
    spec.components.schema(
        "MembershipAppliedData.application",
        schema=_without(EVENT_SCHEMAS["MembershipApplied"], ("branch_id",)),
    )
    envelopes: dict[str, Any] = {}
    endpoints: dict[str, str] = {}
    for rule in app.url_map.iter_rules():
        if not is_api_endpoint(rule.endpoint):
            continue
        view = app.view_functions[rule.endpoint]
        path, params = _path(rule.rule)
        operations: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            doc = (view.__doc__ or rule.endpoint).strip()
            op: dict[str, Any] = {
                "operationId": operation_id(rule.endpoint, method),
                "summary": doc.splitlines()[0],
                "description": doc,
                "parameters": list(params),
                "responses": _problem_responses(),
            }
            public = rule.endpoint.startswith("ops.")
            if not public:
                op["security"] = [{"bearer": []}]
            if rule.endpoint.startswith("accounts."):
                answer = accounts.openapi_operation(rule.endpoint)
                op["responses"].update(answer.pop("responses"))
                op.update(answer)
            elif rule.endpoint.startswith("erasure."):
                answer = erasure.openapi_operation()
                op["responses"].update(answer.pop("responses"))
                op.update(answer)
            elif method == "POST":
                op["responses"]["201"] = {
                    "description": "stored (or, for a retry, the first answer)",
                    "content": _json("BatchAnswer" if path.endswith("/batches") else "Answer"),
                }
                op["parameters"] += [
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": False,
                        "description": 'the version the post expects, ETag style: "3"',
                        "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,12}"?$'},
                    },
                ]
                if path.endswith("/batches"):
                    op["parameters"] += [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                        },
                    ]
                    op["requestBody"] = {"required": True, "content": _json("Batch")}
                else:
                    variants = _variants(rule.endpoint, by_kind)
                    refs = []
                    for event_type, data_ref, implied in variants:
                        key = f"{event_type}Posting" + (
                            "" if data_ref.endswith("Data") else "." + data_ref.split(".")[-1]
                        )
                        if key not in envelopes:
                            envelopes[key] = _envelope(event_type, data_ref, implied)
                            spec.components.schema(key, envelopes[key])
                        refs.append({"$ref": f"#/components/schemas/{key}"})
                    body = refs[0] if len(refs) == 1 else {"oneOf": refs}
                    op["requestBody"] = {
                        "required": True,
                        "content": {"application/json": {"schema": body}},
                    }
            else:
                op["responses"]["200"] = _get_response(rule.endpoint, path)
                query = _query_schema(rule.endpoint, path)
                if query is not None:
                    op["parameters"].append({"in": "query", "schema": query})
                if rule.endpoint.startswith("views."):
                    op["parameters"].append(
                        {
                            "name": "X-Min-Position",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                        }
                    )
            operations[method.lower()] = op
            endpoints[op["operationId"]] = rule.endpoint
        if operations:
            spec.path(path=path, operations=operations)
    return add_links(_numeric_bounds(spec.to_dict()), endpoints)


def _numeric_bounds(node: Any) -> Any:
    """Decimal fields' bounds come out of apispec as Decimals (JSON strings); make numbers."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("minimum", "maximum") and isinstance(value, (str, Decimal)):
                number = Decimal(value)
                node[key] = int(number) if number == number.to_integral_value() else float(number)
            else:
                _numeric_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _numeric_bounds(value)
    return node


def _variants(endpoint: str, by_kind: dict[str, set[str]]) -> list[tuple[str, str, bool]]:
    name = endpoint.split(".", 1)[1]
    if name.startswith("register_"):
        event_type = name.removeprefix("register_")
        return [(event_type, f"{event_type}Data", True)]
    if name == "list_problem":
        return [("ProblemListed", "ProblemListedData.problem_listing", True)]
    if name == "apply_for_membership":
        return [("MembershipApplied", "MembershipAppliedData.application", True)]
    if name == "post_theme":
        return [("ThemePublished", "ThemePublishedData.theme_publishing", True)]
    kind = {
        "post_branch_event": "branch",
        "post_campaign_event": "campaign",
        "post_work_event": "branch_work",
        "post_problem_event": "problem",
        "post_committee_event": "committee",
        "post_group_event": "supervision_group",
        "post_life_event": "branch_life",
        "post_committee_life_event": "committee_life",
        "post_programme_event": "life_programme",
        "post_theme_event": "life_theme",
        "post_grading_event": "grading_round",
        "post_review_event": "yearly_review",
        "post_candidate_event": "candidate",
        "post_host_organization_event": "host_organization",
    }[name]
    return [(ref.split("Data.")[0], ref, False) for ref in sorted(by_kind[kind])]


# The supervisors' pages (taizhang.api.pages, and ``/`` that leads to them) are HTML for a browser
# session, not operations of the API.
_NOT_API = ("static", "landing", "openapi.", "pages.")


def is_api_endpoint(endpoint: str) -> bool:
    return not endpoint.startswith(_NOT_API)


_GRADING_WORKBOOKS = {
    "grading_results.grade_results_workbook": "the grading results (分类定级结果), Excel",
    "grading_results.upgrading_workbook": "the lagging list and its upgrading as an Excel workbook",
}


def _get_response(endpoint: str, path: str) -> dict[str, Any]:
    if endpoint == "reads.feed":
        return {"description": "a page of the log", "content": _json("FeedPage")}
    if endpoint == "views.problem_ledger_workbook":
        return {
            "description": "the problem ledger (问题清单台账) as an Excel workbook",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    if endpoint == "party_life.party_life_due_workbook":
        return {
            "description": "what is due and overdue (应开未开) as an Excel workbook",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    if endpoint == "coverage.coverage_gaps_workbook":
        return {
            "description": "a gap list of the register (缺口清单) as an Excel workbook",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    if endpoint in _GRADING_WORKBOOKS:
        return {
            "description": _GRADING_WORKBOOKS[endpoint],
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    paged = ("/history", "/timeline", "/problems", "/progress", "-ranking", "/suggestions")
    if path.endswith(paged) and endpoint != "views.branch_progress":
        return {"description": "a page", "content": _json("Page")}
    if endpoint == "ops.metrics":
        return {
            "description": "Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    return {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}


def _query_schema(endpoint: str, path: str) -> type[Schema] | None:
    if endpoint == "reads.feed":
        return FeedQuery
    if endpoint == "me.me":
        return MeQuery
    if endpoint in EVIDENCE_QUERIES:
        return EVIDENCE_QUERIES[endpoint]
    if path.endswith("/history"):
        return HistoryQuery
    if endpoint.startswith("reads.get_"):
        return StateQuery
    if endpoint in ("views.problem_ledger", "views.problem_ledger_workbook"):
        return ProblemQuery
    if endpoint == "views.committee_ranking":
        return RankingQuery
    if endpoint == "views.suggestions":
        return SuggestionQuery
    if endpoint == "views.branch_timeline":
        return TimelineQuery
    if endpoint.startswith("party_life.party_life_due"):
        return PartyLifeListQuery
    if endpoint == "party_life.party_life_themes":
        return PartyLifeThemesQuery
    if endpoint.startswith("party_life."):
        return PartyLifeQuery
    if endpoint.startswith("views."):
        return ViewQuery
    if endpoint == "grading.yearly_summary":
        return YearlyQuery
    if endpoint.startswith("grading."):
        return GradingQuery
    if endpoint == "grading_results.grading_rounds":
        return RoundsQuery
    if endpoint == "grading_results.grading_timeline":
        return GradingTimelineQuery
    if endpoint.startswith("grading_results."):
        return GradingQuery
    if endpoint.startswith("members."):
        return MemberPipelineQuery
    return None


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3 document."""
    spec = current_app.extensions.get("taizhang.openapi")
    if spec is None:
        spec = build_spec(current_app)
        current_app.extensions["taizhang.openapi"] = spec
    return Response(json.dumps(spec, ensure_ascii=False), mimetype="application/json")


_DOCS_PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>taizhang 台账 API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""


@bp.get("/docs")
def docs() -> Response:
    """Browsable API documentation (Swagger UI)."""
    return Response(_DOCS_PAGE, mimetype="text/html")


@bp.get("/docs/static/<path:filename>")
def docs_static(filename: str) -> Response:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
