"""The OpenAPI document: valid OpenAPI 3.0, every route in it, and links that name real
operations, parameters and answer fields, so a client (or schemathesis' stateful run) can
follow them from a registration to everything it leads to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR
from schemathesis.specs.openapi.stateful import collect_transitions

from taizhang.api.openapi import is_api_endpoint
from taizhang.config import Settings
from tests.api.conftest import Api, make_api


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("openapi")
    yield from make_api(
        Settings.from_env(
            {"TAIZHANG_DATABASE_URL": f"sqlite:///{tmp}/o.sqlite", "TAIZHANG_DATA_DIR": str(tmp)}
        )
    )


@pytest.fixture(scope="module")
def document(api: Api) -> dict[str, Any]:
    found: dict[str, Any] = api.get("/openapi.json", None).get_json()
    return found


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, operation)."""
    return {
        op["operationId"]: (method.upper(), path, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    }


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def pointer_exists(document: dict[str, Any], schema: dict[str, Any], parts: list[str]) -> bool:
    """Whether some value valid under ``schema`` can hold the JSON pointer ``parts``."""
    schema = resolve(document, schema)
    if not parts:
        return True
    if "oneOf" in schema:
        return any(pointer_exists(document, s, parts) for s in schema["oneOf"])
    head, rest = parts[0], parts[1:]
    if schema.get("type") == "array":
        return head.isdigit() and pointer_exists(document, schema["items"], rest)
    child = schema.get("properties", {}).get(head)
    return child is not None and pointer_exists(document, child, rest)


def test_the_document_is_valid_openapi_3_0(document: dict[str, Any]) -> None:
    errors = [str(e) for e in OPENAPI_30_VALIDATOR.iter_errors(document)]
    assert errors == []


_RULE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def test_every_route_is_an_operation_schemathesis_can_test(api: Api) -> None:
    """The stateless run parametrizes over these: a route missing from the document, or one
    schemathesis cannot generate a request for, would go untested without a failure."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", api.app)
    tested = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        assert not operation.has_skipped_required_body, operation.label
        tested.add(operation.label)
    routes = {
        method + " " + _RULE_PARAM.sub(r"{\1}", rule.rule)
        for rule in api.app.url_map.iter_rules()
        if is_api_endpoint(rule.endpoint)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert tested == routes


def test_links_name_real_operations_parameters_and_fields(
    api: Api, document: dict[str, Any]
) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", api.app)
    schema.config.phases.stateful.inference.algorithms = []
    # Raises InvalidStateMachine for a link to an unknown operation or parameter, or one that
    # reads a request parameter its source does not have.
    transitions = collect_transitions([r.ok() for r in schema.get_all_operations()])
    assert transitions.operations
    ops = operations(document)
    links = 0
    for source_id, (_, _, source) in ops.items():
        for status, answer in source["responses"].items():
            for name, link in answer.get("links", {}).items():
                links += 1
                method, _, target = ops[link["operationId"]]
                required = {p["name"] for p in target["parameters"] if p.get("in") == "path"}
                given = set(link.get("parameters", {}))
                # A link that leaves a path id to chance leads to a 404, not to the resource.
                assert required <= given, (source_id, name, required - given)
                expressions = list(link.get("parameters", {}).values())
                expressions += _strings(link.get("requestBody", {}))
                for expression in expressions:
                    assert _readable(document, source, status, expression), (name, expression)
                if "requestBody" in link:
                    assert method == "POST" and "requestBody" in target, name
    assert links > 50


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) and node.startswith("$") else []


def _readable(
    document: dict[str, Any], source: dict[str, Any], status: str, expression: str
) -> bool:
    if expression.startswith("$request.path."):
        name = expression.removeprefix("$request.path.")
        return any(p["name"] == name and p["in"] == "path" for p in source["parameters"])
    if expression.startswith(("$request.body#/", "$response.body#/")):
        where, _, pointer = expression.partition("#/")
        if where == "$request.body":
            body = source["requestBody"]["content"]["application/json"]["schema"]
        else:
            body = source["responses"][status]["content"]["application/json"]["schema"]
        return pointer_exists(document, body, pointer.split("/"))
    return False


def test_links_lead_from_registrations_to_the_work_and_its_reads(
    document: dict[str, Any],
) -> None:
    """Following links from a district's registration reaches a branch's facts in a campaign,
    its progress and history, and a problem's rectification and history."""
    ops = operations(document)
    reached = {"writes_register_DistrictRegistered_post"}
    frontier = list(reached)
    while frontier:
        _, _, source = ops[frontier.pop()]
        for answer in source["responses"].values():
            for link in answer.get("links", {}).values():
                if link["operationId"] not in reached:
                    reached.add(link["operationId"])
                    frontier.append(link["operationId"])
    for wanted in (
        "writes_register_BranchRegistered_post",
        "writes_post_work_event_post",
        "views_branch_progress_get",
        "reads_get_branch_work_history_get",
        "views_branch_timeline_get",
        "writes_list_problem_post",
        "writes_post_problem_event_post",
        "reads_get_problem_history_get",
        "views_district_supervision_get",
    ):
        assert wanted in reached, wanted
