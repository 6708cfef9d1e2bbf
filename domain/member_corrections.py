"""Correcting and withdrawing a wrongly recorded step of a person's path (发展党员, seed 002).

A step is never changed in place: ``StepCorrected`` names it (``corrects``: its event id) with
the values that replace some of its own (``changes``, its business date ``occurred_on``
among them) and why; ``StepWithdrawn`` names a step recorded in error (``withdraws``). Both
are events of the person's ``Candidate``, so the audit history shows the step and what
amended it, linked by the step's event id, and the record keeps both ("纪实制", seed 001
§四5).

The path so amended must still keep every rule: the person's steps, as they would then
stand, are taken again from the application, in log order, by the same commands that took
them (a correction of an activist's date that leaves less than a year before the
development candidate's is refused as the candidate's step would have been). A correction
may not change what a later step was (which exception it used up, whether a vote carried):
such a path is put right by withdrawing the later steps and recording them again.

An erasure is never withdrawn or corrected (the key is destroyed), nor is a recorded name
corrected (a new ``PersonalDataRecorded`` replaces it; a wrong one can be withdrawn).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from .errors import DomainError, InvalidValue, NotFound, RuleViolation, require_value
from .member_development import Candidate
from .member_path import corrected_step
from .member_steps import COMMANDS
from .provenance import Provenance

# What the domain works out when a step is taken, never given: kept out of the commands'
# arguments, and compared when the path is taken again.
DERIVED = ("waived", "carried")
_STAMPS = frozenset({"originator_id", "originator_version", "timestamp", "provenance"})
_DATES = frozenset({"occurred_on", "starts_on", "ends_on"})
NOT_CORRECTED = frozenset({"PersonalDataRecorded", "PersonErased"})
NOT_WITHDRAWN = frozenset({"PersonErased"})
MAX_TEXT = 2000
MAX_ITEMS = 50


def _values(step: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(step).items() if k not in _STAMPS}


def _step(c: Candidate, event_id: UUID, field: str) -> Any:
    for step in c._steps:
        if step.provenance.event_id == event_id:
            return step
    if event_id in c._withdrawn:
        raise RuleViolation(field, "withdrawn", "this step was withdrawn: it no longer counts")
    raise NotFound(field, "step", event_id)


def correctable(step: Any) -> list[str]:
    """The values a correction of ``step`` may change."""
    return sorted(
        {"occurred_on", *(k for k in _values(step) if k not in DERIVED and k != "sealed_name")}
    )


def _like(name: str, original: Any, value: Any) -> Any:
    """``value`` as the kind of value ``original`` is, or refused."""
    field = f"changes.{name}"
    if name in _DATES:
        if isinstance(value, date):
            return value
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise InvalidValue(field, "date", f"{name} is an ISO date (YYYY-MM-DD)")
    ok: bool
    if isinstance(original, bool):
        ok = isinstance(value, bool)
    elif isinstance(original, int):
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 1 << 31
    elif isinstance(original, str):
        ok = isinstance(value, str) and len(value) <= MAX_TEXT
    elif isinstance(original, list):
        ok = (
            isinstance(value, list)
            and len(value) <= MAX_ITEMS
            and all(isinstance(v, str) and len(v) <= 100 for v in value)
        )
    elif isinstance(original, dict):
        ok = (
            isinstance(value, dict)
            and set(value) <= set(original)
            and all(
                isinstance(v, int) and not isinstance(v, bool) and abs(v) < 1 << 31
                for v in value.values()
            )
        )
        value = {**original, **value} if ok else value
    else:
        ok = False
    require_value(ok, field, "kind", f"{name} is given as when the step was recorded")
    return value


def _changes(step: Any, changes: dict[str, Any]) -> dict[str, Any]:
    allowed = correctable(step)
    unknown = sorted(set(changes) - set(allowed))
    require_value(
        not unknown,
        "changes",
        "correctable",
        f"a {type(step).__name__} corrects {', '.join(allowed)}; not {', '.join(unknown)}",
    )
    values = _values(step)
    return {
        name: _like(name, values.get(name, step.provenance.occurred_on), value)
        for name, value in changes.items()
    }


def _taken_again(c: Candidate, steps: list[Any], changed: UUID | None) -> dict[str, Any]:
    """Take ``steps`` again from the application by their commands; refuse if one breaks a
    rule or comes out other than it was (``changed`` excepted). Returns what the changed
    step now works out (``DERIVED``)."""
    application = Provenance(uuid4(), c.applied_on, "correction", "correction")
    path = Candidate.apply_for_membership(application, c.branch_id, c.committee_id, id=c.id)
    derived: dict[str, Any] = {}
    for step in steps:
        name = type(step).__name__
        args = {k: v for k, v in _values(step).items() if k not in DERIVED}
        try:
            getattr(path, COMMANDS[name])(step.provenance, **args)
        except DomainError as error:
            raise RuleViolation(
                "changes",
                getattr(error, "rule", "path_rules"),
                f"amended so, the path breaks a rule at its {name} of "
                f"{step.provenance.occurred_on}: {error}",
            ) from None
        taken = path._steps[-1]
        again = {k: getattr(taken, k) for k in DERIVED if hasattr(taken, k)}
        if step.provenance.event_id == changed:
            derived = again
        elif again != {k: getattr(step, k) for k in DERIVED if hasattr(step, k)}:
            raise RuleViolation(
                "changes",
                "later_steps_unchanged",
                f"amended so, the {name} of {step.provenance.occurred_on} would come out "
                f"otherwise ({again}): withdraw it and record it again",
            )
    return derived


def correct_step(
    c: Candidate, p: Provenance, corrects: UUID, reason: str, changes: dict[str, Any]
) -> None:
    require_value(bool(reason.strip()), "reason", "required", "a correction says why")
    require_value(bool(changes), "changes", "required", "a correction changes something")
    step = _step(c, corrects, "corrects")
    name = type(step).__name__
    if name in NOT_CORRECTED:
        raise RuleViolation(
            "corrects",
            "not_correctable",
            f"a {name} is not corrected: a name is recorded again, an erasure is final",
        )
    values = _changes(step, changes)
    steps = [corrected_step(s, values) if s is step else s for s in c._steps]
    derived = _taken_again(c, steps, corrects)
    c.trigger_event(
        Candidate.StepCorrected,
        provenance=p,
        corrects=corrects,
        reason=reason.strip(),
        changes={**values, **derived},
    )


def withdraw_step(c: Candidate, p: Provenance, withdraws: UUID, reason: str) -> None:
    require_value(bool(reason.strip()), "reason", "required", "a withdrawal says why")
    step = _step(c, withdraws, "withdraws")
    if type(step).__name__ in NOT_WITHDRAWN:
        raise RuleViolation(
            "withdraws", "not_withdrawable", "an erasure is final: the person's key is destroyed"
        )
    _taken_again(c, [s for s in c._steps if s is not step], None)
    c.trigger_event(
        Candidate.StepWithdrawn, provenance=p, withdraws=withdraws, reason=reason.strip()
    )
