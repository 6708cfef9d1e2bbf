"""An upgrading plan (晋位升级) and its rules, and the text and id rules grading shares.

Seed 001 §二3: "按照巩固先进、推动一般、整顿后进的要求，指导基层党组织明确改进提高的目标、责任和
措施，认真抓好整改落实": a plan for an average or lagging organization, with a target above its
grade, moved like a rectification (planned → in progress → done → verified).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import require, require_value
from .grading_criteria import Grade, UpgradingStatus

MAX_TEXT = 4000
# A person is named by a pseudonymous id (e.g. P000123), never by name.
PSEUDONYMOUS_ID = re.compile(r"[A-Za-z]{1,4}[0-9]{1,12}")


@dataclass(frozen=True)
class UpgradingPlan:
    """What a branch's upgrading plan stands at; replaced whole at each step."""

    set_on: date
    target_grade: Grade
    targets: str
    measures: str
    responsible_person: str
    deadline: date
    status: UpgradingStatus
    last_step_on: date


def text_rule(value: str, field: str, *, required: bool = True) -> None:
    """Refuse blank (when required) or overlong text, naming the field."""
    if required:
        require_value(bool(value.strip()), field, "required", f"{field} must not be blank")
    require_value(len(value) <= MAX_TEXT, field, "too_long", f"{field}: at most {MAX_TEXT} chars")


def check_new_plan(
    current: Grade,
    target: Grade,
    open_plan: UpgradingPlan | None,
    *,
    targets: str,
    measures: str,
    responsible_person: str,
    deadline: date,
    on: date,
) -> Grade:
    """Refuse a plan the rules do not allow; the target grade it sets."""
    require(
        current is not Grade.ADVANCED,
        "branch_id",
        "average_or_lagging",
        "001 §二3: upgrading plans are for average and lagging organizations",
    )
    require_value(
        target.rank > current.rank,
        "target_grade",
        "above_current_grade",
        f"the target must be above the current grade ({current.value})",
    )
    require(
        open_plan is None or open_plan.status is UpgradingStatus.VERIFIED,
        "branch_id",
        "no_open_plan",
        "the organization's upgrading plan is still open",
    )
    text_rule(targets, "targets")
    text_rule(measures, "measures")
    require_value(
        PSEUDONYMOUS_ID.fullmatch(responsible_person) is not None,
        "responsible_person",
        "pseudonymous_id",
        "name the responsible person by pseudonymous id (e.g. P000123), never by name",
    )
    require_value(
        deadline >= on,
        "deadline",
        "not_before_plan",
        f"deadline {deadline} is before the plan ({on})",
    )
    return target


def check_step(plan: UpgradingPlan | None, allowed: set[UpgradingStatus], on: date) -> None:
    """A step of a plan: there is one, in a status the step may follow, not dated before
    its last step."""
    require(plan is not None, "branch_id", "has_plan", "the organization has no upgrading plan")
    assert plan is not None
    require(
        plan.status in allowed,
        "status",
        f"from_{'_or_'.join(sorted(s.value for s in allowed))}",
        f"the upgrading plan is {plan.status.value}",
    )
    require_value(
        on >= plan.last_step_on,
        "occurred_on",
        "not_before_previous_step",
        f"occurred_on is before the plan's last step ({plan.last_step_on})",
    )
