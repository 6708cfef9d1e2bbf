"""Folds of a branch's work in a campaign, and its spans: progress, phases, problem counts.

A fact that is only counted goes to its day's tally on the branch's progress row (``days``,
``fold.tally``); any other is kept in compact form on the row (``facts``) with its
corrections and withdrawal and their business dates (``fold.dated``). The counts, milestones
and phase dates on each business day are derived from the tallies and the facts as they
stood that day by the domain's own rules, once per batch for each branch touched
(``refresh_work``): its cost follows the days and the facts read one by one, not how many
facts were counted.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from taizhang.domain.branch_work import BranchWork
from taizhang.domain.progress import MilestoneTracker
from taizhang.projections.fold.common import (
    Compact,
    compact,
    compact_stored,
    iso,
    record_correction,
    record_withdrawal,
    revive,
)
from taizhang.projections.fold.dated import branch_on, enrolment_on, fact_days, fact_on
from taizhang.projections.fold.joint import index_joint, joint_changed, work_facts
from taizhang.projections.fold.phase_status import campaign_phases, phase_dates
from taizhang.projections.fold.problems import (
    RECTIFIED,
    UNRECTIFIED,
    ProblemOn,
    problem_changes,
    problem_days,
)
from taizhang.projections.fold.spans import replace_group, span_rows
from taizhang.projections.fold.suggestions import suggestion_rows
from taizhang.projections.fold.tally import Sweep, is_counted, keep, take_back, tally_fact
from taizhang.projections.state import Key, ViewState

# The fields of each fact the views need; every other field is only in the timeline.
KEPT: dict[str, tuple[str, ...]] = {
    "MobilizationMeetingHeld": ("joint_with",),
    "SupervisionVisitRecorded": ("group_id", "suggestion_items"),
    "SuggestionAnswered": ("item_id", "closed"),
    "SuggestionReferred": ("item_id",),
    "StudySessionHeld": ("days",),
    "SecretaryTrainingHeld": ("days",),
    "OpinionsCollected": ("count",),
    "WorkSystemChanged": ("system_id", "change"),
    "VolunteerTeamSetUp": ("team_id",),
    "ServiceCommitmentMade": ("commitment_id",),
    "ServiceCommitmentFulfilled": ("commitment_id",),
    "PhaseWorkRecorded": ("phase_key", "done"),
}

FACT_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in vars(BranchWork).values()
    if isinstance(cls, type) and issubclass(cls, BranchWork.Fact)
}

# Meetings are the campaign's required gatherings; study sessions count as study days.
_MEETINGS = ("MobilizationMeetingHeld", "OrganizationalLifeMeetingHeld")


def _row(state: ViewState, event: Any) -> tuple[Key, dict[str, Any]] | None:
    key = state.work_keys.get(str(event.originator_id))
    if key is None:
        return None
    row = state.get("branch_progress", key)
    if row is None:
        return None
    return key, row


def fact_recorded(state: ViewState, e: Any) -> None:
    found = _row(state, e)
    if found is None:
        return
    key, row = found
    name = type(e).__name__
    _record(state, key, row, e.provenance.event_id.hex, compact(e, KEPT.get(name, ())))


def fact_stored(state: ViewState, aggregate_id: str, name: str, version: int, values: Any) -> None:
    """``fact_recorded`` from the stored event's plain values (``fold.stored``)."""
    key = state.work_keys.get(aggregate_id)
    if key is None:
        return
    row = state.get("branch_progress", key)
    if row is None:
        return
    provenance = values["provenance"]
    entry = compact_stored(name, version, provenance["occurred_on"], values, KEPT.get(name, ()))
    _record(state, key, row, provenance["event_id"], entry)


def _record(
    state: ViewState, key: Key, row: dict[str, Any], event_hex: str, entry: Compact
) -> None:
    if is_counted(entry):
        tally_fact(row["days"], entry)
        keep(state, key, event_hex, entry)
    else:
        row["facts"][event_hex] = entry
        index_joint(state, key, event_hex, entry)
    state.touch("branch_progress", key)
    state.stale_works.add(key)


def _entry(state: ViewState, key: Key, row: dict[str, Any], event_hex: str) -> Compact | None:
    """The fact a correction or withdrawal names, read one by one from now on."""
    entry: Compact | None = row["facts"].get(event_hex)
    return entry if entry is not None else take_back(state, key, row, event_hex)


def fact_corrected(state: ViewState, e: BranchWork.FactCorrected) -> None:
    found = _row(state, e)
    if found is None:
        return
    key, row = found
    entry = _entry(state, key, row, e.corrects.hex)
    if entry is None:
        return
    record_correction(entry, e, KEPT.get(entry[0], ()))
    joint_changed(state, key, entry)
    state.touch("branch_progress", key)
    state.stale_works.add(key)


def fact_withdrawn(state: ViewState, e: BranchWork.FactWithdrawn) -> None:
    found = _row(state, e)
    if found is None:
        return
    key, row = found
    entry = _entry(state, key, row, e.withdraws.hex)
    if entry is None:
        return
    record_withdrawal(entry, e)
    joint_changed(state, key, entry)
    state.touch("branch_progress", key)
    state.stale_works.add(key)


HANDLERS: dict[type, Any] = {cls: fact_recorded for cls in FACT_CLASSES.values()}
HANDLERS[BranchWork.FactCorrected] = fact_corrected
HANDLERS[BranchWork.FactWithdrawn] = fact_withdrawn


def work_days(
    facts: dict[str, Compact],
    row: dict[str, Any],
    branch: dict[str, Any] | None,
    problem_rows: list[dict[str, Any]],
) -> list[str]:
    """The business days on which a branch's standing in a campaign can change."""
    days = {on for on, _ in row["enrolments"]}
    days.update(row["days"])
    for entry in facts.values():
        days.update(fact_days(entry))
    if branch is not None:
        days.update(item[0] for item in branch["history"])
    for problem in problem_rows:
        days.update(problem_days(problem))
    return sorted(days)


def refresh_work(state: ViewState, key: Key) -> None:
    """Recompute a branch's spans in a campaign -- its progress, phases and problem counts
    on every business day -- by the domain's rules, and its row as it now stands.

    The days are swept in order, and what did not change since the day before is not
    derived again (the facts, the problems listed, the milestones)."""
    row = state.get("branch_progress", key)
    if row is None:
        return
    campaign_id, branch_id = key
    branch = state.get("view_branch", (branch_id,))
    found = [
        state.get("problem_ledger", (pid,)) for pid in sorted(state.problems_of_work.get(key, ()))
    ]
    problem_rows = [problem for problem in found if problem is not None]
    phases = campaign_phases(state, campaign_id)
    progress: list[tuple[str, dict[str, Any] | None]] = []
    phase_values: dict[str, list[tuple[str, dict[str, Any] | None]]] = {p.key: [] for p in phases}
    counts: list[tuple[str, dict[str, tuple[int, int, int]]]] = []
    values: dict[str, Any] | None = None
    own_and_joint = work_facts(state, key, row)
    facts = _FactsByDay(own_and_joint)
    tallies = Sweep(row["days"], FACT_CLASSES)
    sweeps = [
        _ProblemSweep(
            state.problem_changes.get(problem_row["problem_id"]) or problem_changes(problem_row)
        )
        for problem_row in problem_rows
    ]
    listed: tuple[date, ...] | None = None
    reached: dict[str, date] = {}
    derived: dict[str, Any] = {}
    days = work_days(own_and_joint, row, branch, problem_rows)
    for day in days:
        changed = facts.advance(day)
        changed = tallies.advance(day) or changed
        problems = [p for p in (sweep.on(day) for sweep in sweeps) if p is not None]
        now_listed = tuple(sorted(p[1] for p in problems))
        if changed or now_listed != listed:
            listed = now_listed
            new_reached = _reached(facts.tracker, tallies.firsts, listed)
            derived.update(_sum_counts(facts.counts, tallies.counts()))
            if new_reached != reached or "phases" not in derived:
                reached = new_reached
                dates = [phase_dates(phase, reached) for phase in phases]
                derived["phases"] = [
                    None
                    if started_on is None and done_on is None
                    else {
                        "started_on": _iso(started_on),
                        "done_on": _iso(done_on),
                        "due_on": _iso(due_on),
                    }
                    for started_on, done_on, due_on in dates
                ]
                done = [done_on for _, done_on, _ in dates]
                done_all = bool(done) and None not in done
                derived["all_phases_done_on"] = iso(max(done)) if done_all else None  # type: ignore[type-var]
                derived["milestones"] = {name: iso(on) for name, on in sorted(reached.items())}
        for phase, phase_row in zip(phases, derived["phases"], strict=True):
            phase_values[phase.key].append((day, phase_row))
        activity = [p[2] for p in problems]
        activity += [on for on in (facts.latest, tallies.latest) if on is not None]
        values = {
            **_standing(row, branch, day),
            **{name: derived[name] for name in _COUNTS},
            "last_activity_on": max(activity) if activity else None,
            "all_phases_done_on": derived["all_phases_done_on"],
            "milestones": derived["milestones"],
        }
        progress.append((day, values if values["enrolled"] or values["withdrawn_on"] else None))
        counted: dict[str, tuple[int, int, int]] = {}
        for _, _, _, problem in problems:
            listed_n, rectified_n, unrectified_n = counted.get(problem["deadline"], (0, 0, 0))
            counted[problem["deadline"]] = (
                listed_n + 1,
                rectified_n + (problem["status"] in RECTIFIED),
                unrectified_n + (problem["status"] in UNRECTIFIED),
            )
        counts.append((day, counted))
    replace_group(state, "progress_span", key, span_rows("progress_span", key, progress))
    phase_rows: dict[Key, dict[str, Any]] = {}
    for phase_key, series in phase_values.items():
        phase_rows.update(span_rows("phase_span", (*key, phase_key), series))
    replace_group(state, "phase_span", key, phase_rows)
    count_rows: dict[Key, dict[str, Any]] = {}
    for deadline in sorted({d for _, counted in counts for d in counted}):
        series = [(day, _count_values(counted.get(deadline))) for day, counted in counts]
        count_rows.update(span_rows("problem_count_span", (*key, deadline), series))
    replace_group(state, "problem_count_span", key, count_rows)
    items = suggestion_rows(key, own_and_joint, days, FACT_CLASSES)
    replace_group(state, "suggestion_span", key, items)
    _settle_row(state, key, row, values)


def _reached(
    tracker: MilestoneTracker, firsts: list[Any], listed: tuple[date, ...]
) -> dict[str, date]:
    """The milestones of the facts read one by one and of the first counted fact of each
    kind (each counts from its day, whatever the order: ``MilestoneTracker``)."""
    if firsts:
        tracker = copy.deepcopy(tracker)
        for fact in firsts:
            tracker.add(fact)
    return tracker.reached(listed)


def _sum_counts(own: dict[str, Any], counted: dict[str, Any]) -> dict[str, Any]:
    total = dict(own)
    for name, value in counted.items():
        if name == "study_days":
            total[name] = str(Decimal(total[name]) + value)
        else:
            total[name] += value
    return total


class _FactsByDay:
    """A work's facts as they stood on each day, days taken in order, with their counts
    and milestone tracker. Facts that were never corrected or withdrawn stand from their
    date on, so each day adds to the day before; a work with corrections is read anew each
    day (``fold.dated.fact_on``)."""

    def __init__(self, stored: dict[str, Compact]) -> None:
        self.stored = stored
        self.simple = all(len(entry) < 5 or not entry[4] for entry in stored.values())
        self.pending = (
            sorted(stored.values(), key=lambda entry: (entry[2], entry[1])) if self.simple else []
        )
        self.entries: list[Compact] = []
        self.facts: list[Any] = []
        self.latest: str | None = None
        self.tracker = MilestoneTracker()
        self.counts: dict[str, Any] = work_counts([], [])
        # Facts as stored, revived once: the rows they live in outlast this object.
        self._stored = {id(entry) for entry in stored.values()}
        self._revived: dict[int, Any] = {}

    def _revive(self, entry: Compact) -> Any:
        if id(entry) not in self._stored:  # as corrected by then: this day's alone
            return revive(entry, FACT_CLASSES)
        fact = self._revived.get(id(entry))
        if fact is None:
            fact = self._revived[id(entry)] = revive(entry, FACT_CLASSES)
        return fact

    def advance(self, day: str) -> bool:
        """Take the facts to ``day``; whether they changed."""
        if self.simple:
            start = len(self.entries)
            pending = self.pending
            while len(self.entries) < len(pending) and pending[len(self.entries)][2] <= day:
                entry = pending[len(self.entries)]
                fact = revive(entry, FACT_CLASSES)
                self.entries.append(entry)
                self.facts.append(fact)
                self.tracker.add(fact)
                self.latest = entry[2]
            added = self.entries[start:]
            if added:
                self.counts = work_counts(self.entries, self.facts, self.counts, start)
            return bool(added)
        entries = [e for e in (fact_on(entry, day) for entry in self.stored.values()) if e]
        if entries == self.entries:
            return False
        self.entries = entries
        self.facts = [self._revive(entry) for entry in entries]
        self.latest = max((entry[2] for entry in entries), default=None)
        self.tracker = MilestoneTracker()
        for fact in sorted(
            self.facts, key=lambda f: (f.provenance.occurred_on, f.originator_version)
        ):
            self.tracker.add(fact)
        self.counts = work_counts(self.entries, self.facts)
        return True


class _ProblemSweep:
    """A problem on each day, days taken in order (``fold.problems.problem_changes``)."""

    def __init__(self, changes: list[tuple[str, ProblemOn | None]]) -> None:
        self.changes = changes
        self.next = 0
        self.current: ProblemOn | None = None

    def on(self, day: str) -> ProblemOn | None:
        while self.next < len(self.changes) and self.changes[self.next][0] <= day:
            self.current = self.changes[self.next][1]
            self.next += 1
        return self.current


def _iso(on: date | None) -> str | None:
    return iso(on) if on is not None else None


def _count_values(counted: tuple[int, int, int] | None) -> dict[str, int] | None:
    if counted is None:
        return None
    return {"listed": counted[0], "rectified": counted[1], "unrectified": counted[2]}


def _standing(row: dict[str, Any], branch: dict[str, Any] | None, day: str) -> dict[str, Any]:
    """Whether the branch was enrolled on ``day``, and where it stood then."""
    enrolled, withdrawn_on = enrolment_on(row["enrolments"], day)
    reference = branch_on(branch["history"], day) if branch is not None else None
    reference = reference or {}
    return {
        "enrolled": int(enrolled),
        "withdrawn_on": withdrawn_on,
        "district_id": reference.get("district_id"),
        "committee_id": reference.get("committee_id"),
        "category": reference.get("category"),
        "formation": reference.get("formation"),
        "enterprises_covered": reference.get("enterprises_covered", 0),
        "branch_name": reference.get("name"),
        "rectification_target": reference.get("rectification_target", 0),
        "reorganized": reference.get("reorganized", 0),
    }


def work_counts(
    entries: list[Any],
    facts: list[Any],
    before: dict[str, Any] | None = None,
    start: int = 0,
) -> dict[str, Any]:
    """A branch's counts from its facts (compact entries and their revived instances);
    with ``before``, the counts of ``facts[:start]``, only the facts from ``start`` on are
    added to them (the rules over all facts run again only when such a fact is added)."""
    added_entries, added = entries[start:], facts[start:]
    counts = dict(before) if before is not None else dict.fromkeys(_COUNTS, 0)
    if before is None:
        counts["study_days"] = "0"
    names = Counter(entry[0] for entry in added_entries)
    counts["meetings"] += sum(names[name] for name in _MEETINGS)
    counts["study_days"] = str(
        Decimal(counts["study_days"])
        + sum((f.days for f in added if isinstance(f, BranchWork.StudySessionHeld)), Decimal(0))
    )
    counts["opinions_collected"] += sum(
        f.count for f in added if isinstance(f, BranchWork.OpinionsCollected)
    )
    counts["volunteer_teams"] += names["VolunteerTeamSetUp"]
    counts["optional_actions"] += names["OptionalActionRecorded"]
    counts["supervision_visits"] += names["SupervisionVisitRecorded"]
    if before is None or names["WorkSystemChanged"]:
        counts["work_systems"] = sum(
            1
            for change in BranchWork.work_systems_of(facts).values()
            if change.value != "abolished"
        )
    if before is None or names["ServiceCommitmentMade"] or names["ServiceCommitmentFulfilled"]:
        commitments = BranchWork.commitments_of(facts)
        counts["commitments_made"] = len(commitments)
        counts["commitments_fulfilled"] = sum(1 for done in commitments.values() if done)
    return counts


_COUNTS = (
    "meetings",
    "study_days",
    "opinions_collected",
    "work_systems",
    "volunteer_teams",
    "commitments_made",
    "commitments_fulfilled",
    "optional_actions",
    "supervision_visits",
)
_CURRENT = (*_COUNTS, "last_activity_on", "all_phases_done_on", "milestones")


def _settle_row(
    state: ViewState, key: Key, row: dict[str, Any], values: dict[str, Any] | None
) -> None:
    """The work's row as it now stands: its values on the last day anything happened."""
    for name in _CURRENT:
        if values is not None:
            row[name] = values[name]
    state.touch("branch_progress", key)
