"""Errors the domain raises when a command breaks a rule.

Every rule has a stable machine-readable name and the field it concerns, so the HTTP
layer can answer with a problem+json body that names both without knowing the rule.
"""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """A command was refused because it breaks a rule of the domain."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, rule={self.rule!r})"


class RuleViolation(DomainError):
    """The command is well-formed but the state of the aggregate forbids it (HTTP 409/422)."""


class InvalidValue(DomainError):
    """A value is out of its allowed range or vocabulary (HTTP 422)."""


def require(condition: bool, field: str, rule: str, message: str) -> None:
    if not condition:
        raise RuleViolation(field, rule, message)


def require_value(condition: bool, field: str, rule: str, message: str) -> None:
    if not condition:
        raise InvalidValue(field, rule, message)


class NotFound(Exception):
    """The aggregate a post concerns does not exist (HTTP 404)."""

    def __init__(self, field: str, kind: str, aggregate_id: UUID) -> None:
        super().__init__(f"no {kind} {aggregate_id}")
        self.field = field
        self.kind = kind
        self.aggregate_id = aggregate_id
