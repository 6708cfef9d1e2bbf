"""A branch work's counted facts, day by day, so that folding one costs the same however many
facts the branch already has.

Most facts of a branch's work matter to its views only by how many of each kind stood on
each day and by the first day of each kind (the milestones, ``taizhang.domain.progress``): optional
actions, life meetings, study sessions (their days), opinions collected (their count), phase
work. Such a fact, while it is neither corrected nor withdrawn, is added to its day's tally
on the progress row (``days``: day -> {kind: how many}) and kept whole in ``work_fact`` for a
correction that may come; the live worker does not hold those rows in memory. The facts the
rules read one by one -- plan decisions, secretary training (days summed in order), work
systems and service commitments (by id, in log order), visits and their suggestions, joint
meetings -- and every fact once corrected or withdrawn stay on the row (``facts``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from taizhang.projections.fold.common import Compact, revive
from taizhang.projections.state import Key, ViewState

# Read one by one: their rules depend on order, ids or what else stood that day.
INDIVIDUAL = frozenset(
    {
        "PlanApproved",
        "PlanReturned",
        "SecretaryTrainingHeld",
        "WorkSystemChanged",
        "ServiceCommitmentMade",
        "ServiceCommitmentFulfilled",
        "SupervisionVisitRecorded",
        "SuggestionAnswered",
        "SuggestionReferred",
    }
)
_STUDY = "StudySessionHeld"
_OPINIONS = "OpinionsCollected"
_PHASE = "PhaseWorkRecorded"
_MEETINGS = ("MobilizationMeetingHeld", "OrganizationalLifeMeetingHeld")
# A tally's keys besides the facts' type names: "s:<days>" (study sessions of that many
# days), "o" (opinions collected, summed), "p:<phase key>:<1 done | 0>" (phase work).
_STUDY_KEY, _OPINIONS_KEY, _PHASE_KEY = "s:", "o", "p:"


def is_counted(entry: Compact) -> bool:
    """Whether a fact goes to its day's tally rather than on the row."""
    if len(entry) > 4 and entry[4]:
        return False
    if entry[0] in INDIVIDUAL:
        return False
    return not (entry[0] == "MobilizationMeetingHeld" and (entry[3] or {}).get("joint_with"))


def _amounts(entry: Compact) -> list[tuple[str, int]]:
    name, extra = entry[0], entry[3] or {}
    amounts = [(name, 1)]
    if name == _STUDY:
        amounts.append((_STUDY_KEY + str(extra.get("days")), 1))
    elif name == _OPINIONS:
        amounts.append((_OPINIONS_KEY, int(extra.get("count") or 0)))
    elif name == _PHASE:
        amounts.append((f"{_PHASE_KEY}{extra.get('phase_key')}:{int(bool(extra.get('done')))}", 1))
    return amounts


def tally_fact(days: dict[str, dict[str, int]], entry: Compact, sign: int = 1) -> None:
    """Count the fact on its day (``sign`` -1: take it off again)."""
    tally = days.setdefault(entry[2], {})
    for key, amount in _amounts(entry):
        value = tally.get(key, 0) + sign * amount
        if value:
            tally[key] = value
        else:
            tally.pop(key, None)
    if not tally:
        days.pop(entry[2], None)


def fact_key(key: Key, event_hex: str) -> Key:
    return (*key, event_hex)


def keep(state: ViewState, key: Key, event_hex: str, entry: Compact) -> None:
    """Keep a counted fact whole, for a correction that may come."""
    state.put(
        "work_fact",
        fact_key(key, event_hex),
        {"campaign_id": key[0], "branch_id": key[1], "event_id": event_hex, "entry": entry},
    )


def take_back(state: ViewState, key: Key, row: dict[str, Any], event_hex: str) -> Compact | None:
    """A counted fact that is being corrected or withdrawn: off its day's tally and onto the
    row, where it is read one by one from now on. None if the work has no such fact."""
    kept = state.find("work_fact", fact_key(key, event_hex))
    if kept is None:
        return None
    entry: Compact = kept["entry"]
    tally_fact(row["days"], entry, -1)
    state.delete("work_fact", fact_key(key, event_hex))
    row["facts"][event_hex] = entry
    return entry


class Sweep:
    """The counted facts as they stood on each day, days taken in order: how many of each
    kind, and facts that stand for the first of each kind (for the milestone tracker)."""

    def __init__(self, days: dict[str, dict[str, int]], classes: dict[str, type]) -> None:
        self.days = days
        self.classes = classes
        self.total: dict[str, int] = {}
        self.firsts: list[Any] = []
        self.latest: str | None = None

    def advance(self, day: str) -> bool:
        """Take the tally to ``day`` (each day once, in order); whether it changed."""
        tally = self.days.get(day)
        if not tally:
            return False
        for key, n in tally.items():
            if key not in self.total:
                first = self._first(key, day)
                if first is not None:
                    self.firsts.append(revive(first, self.classes))
            self.total[key] = self.total.get(key, 0) + n
        self.latest = day
        return True

    @staticmethod
    def _first(key: str, day: str) -> Compact | None:
        if key.startswith(_PHASE_KEY):
            phase_key, done = key[len(_PHASE_KEY) :].rsplit(":", 1)
            return [_PHASE, 0, day, {"phase_key": phase_key, "done": done == "1"}]
        if ":" in key or key in (_OPINIONS_KEY, _PHASE):
            return None
        return [key, 0, day, None]

    def counts(self) -> dict[str, Any]:
        """What the counted facts add to the work's counts (``fold.work.work_counts``)."""
        total = self.total
        study = sum(
            (
                Decimal(key[len(_STUDY_KEY) :]) * n
                for key, n in total.items()
                if key.startswith(_STUDY_KEY)
            ),
            Decimal(0),
        )
        return {
            "meetings": sum(total.get(name, 0) for name in _MEETINGS),
            "study_days": study,
            "opinions_collected": total.get(_OPINIONS_KEY, 0),
            "volunteer_teams": total.get("VolunteerTeamSetUp", 0),
            "optional_actions": total.get("OptionalActionRecorded", 0),
        }
