"""The province's routes as an OpenAPI 3 document (``GET /province/openapi.json``); each
district's own document is at ``/districts/<key>/openapi.json``."""

from __future__ import annotations

from typing import Any

_PROBLEM = {"description": "problem+json", "content": {"application/problem+json": {}}}
_QUERY = [
    {
        "name": "as_of",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "business date: what had happened by then (default today in Beijing)",
    },
    {
        "name": "known_at",
        "in": "query",
        "schema": {"type": "string", "format": "date-time"},
        "description": "knowledge time: what had been recorded by then (default now)",
    },
    {
        "name": "year",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1900, "maximum": 2999},
        "description": "the year of organizational life's duties (default the year of as_of)",
    },
]


def _get(summary: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters or [],
            "security": [{"bearer": []}],
            "x-roles": ["province"],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "401": _PROBLEM,
                "404": _PROBLEM,
                "422": _PROBLEM,
                "503": _PROBLEM,
            },
        }
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "taizhang province",
            "version": "1",
            "description": (
                "A province's roll-up of its districts' views. Tokens of role `province` are "
                "read-only; each district's own API is under /districts/{key}/api/v1."
            ),
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/province/api/v1/rollup": _get(
                "Per district, the headline figures of its own views, their sums and each "
                "district's freshness",
                _QUERY,
            ),
            "/province/api/v1/districts": _get("The districts and their URL prefixes"),
            "/province/api/v1/me": _get("The token's name and role"),
        },
    }
