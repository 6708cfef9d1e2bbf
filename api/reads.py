"""Reading the event store directly: an aggregate's state (now, at a version, or as recorded
at a time), its audit history, the global feed, and the vocabularies."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic
from flask import Blueprint, Response, json, request
from marshmallow import Schema, ValidationError

from taizhang.api.person_names import reveal
from taizhang.api.problems import ApiProblem, error_item, validation_problem
from taizhang.api.render import record, state
from taizhang.api.runtime import etag, runtime, scope
from taizhang.api.schemas.queries import FeedQuery, HistoryQuery, StateQuery
from taizhang.domain.branch import Branch
from taizhang.domain.branch_work import BranchWork, branch_work_id
from taizhang.domain.campaign import Campaign
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.errors import NotFound
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.instructor import Instructor
from taizhang.domain.member_development import Candidate
from taizhang.domain.persons import SEALED_PREFIX, NamedPerson
from taizhang.domain.phases import EIGHT_ONES
from taizhang.domain.problem import Problem
from taizhang.domain.receipt import Receipt
from taizhang.domain.records import event_type
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.domain.vocabulary import ALL_VOCABULARIES
from taizhang.handlers import EVENT_TYPES
from taizhang.kinds import KINDS

bp = Blueprint("reads", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


# One instance per query schema: building one copies its fields, which costs more than a
# load, and a schema keeps no state between loads.
_QUERY_SCHEMAS: dict[type[Schema], Schema] = {}
# Loaded queries by schema and arguments: a load is a pure function of them, and dashboards
# repeat the same few queries (an empty one loads ~36 fields: a third of a cached view read).
_LOADED: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_LOADED_SIZE = 1024
_LOADED_KEY_MAX = 1000  # characters of arguments; longer queries are loaded every time
_loaded_lock = threading.Lock()


def load_query(schema: type[Schema]) -> dict[str, Any]:
    args = request.args.to_dict()
    key = (schema, *sorted(args.items()))
    if sum(len(k) + len(v) for k, v in args.items()) > _LOADED_KEY_MAX:
        key = ()
    if key:
        with _loaded_lock:
            found = _LOADED.get(key)
        if found is not None:
            return dict(found)  # the caller's own copy
    instance = _QUERY_SCHEMAS.get(schema)
    if instance is None:
        instance = _QUERY_SCHEMAS.setdefault(schema, schema())
    try:
        loaded: dict[str, Any] = instance.load(args)
    except ValidationError as error:
        raise validation_problem(error) from None
    if key:
        with _loaded_lock:
            _LOADED[key] = dict(loaded)
            while len(_LOADED) > _LOADED_SIZE:
                _LOADED.popitem(last=False)
    return loaded


def as_json(body: Any, status: int = 200, **headers: str) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    if SEALED_PREFIX in text:  # a person's sealed name: shown opened, or as erased
        text = json.dumps(reveal(body), ensure_ascii=False)
    response = Response(text, status=status, mimetype="application/json")
    for key, value in headers.items():
        response.headers[key.replace("_", "-")] = value
    return response


# -- resolving a URL to an aggregate the caller may see -------------------------------------

Resolver = Callable[..., UUID]


def _resolve(kind: str, **ids: UUID) -> UUID:
    """The aggregate id the URL names, after checking the caller's scope."""
    s = scope()
    if kind == "branch_work":
        s.branch(ids["branch_id"])
        s.campaign(ids["campaign_id"])
        work_id = branch_work_id(ids["campaign_id"], ids["branch_id"])
        s.load(BranchWork, work_id, "branch_id")
        return work_id
    (aggregate_id,) = ids.values()
    s.aggregate(kind, aggregate_id)
    return aggregate_id


def _version_at(aggregate_id: UUID, moment: datetime) -> int:
    version = 0
    for event in runtime().ledger.events.get(aggregate_id):
        if event.timestamp <= moment:
            version = event.originator_version
        else:
            break
    if version == 0:
        raise ApiProblem(
            404,
            f"nothing was recorded by {moment.isoformat()}",
            slug="not-yet-recorded",
            errors=[error_item("known_at", "recorded_by_then", "the resource did not exist yet")],
        )
    return version


def show_state(kind: str, **ids: UUID) -> Response:
    query = load_query(StateQuery)
    aggregate_id = _resolve(kind, **ids)
    ledger = runtime().ledger
    current = ledger.repository.get(aggregate_id)
    version = query.get("version")
    if "known_at" in query:
        version = _version_at(aggregate_id, query["known_at"])
    if version is not None and version > current.version:
        raise ApiProblem(
            404,
            f"version {version} does not exist yet; the latest is {current.version}",
            slug="no-such-version",
            errors=[error_item("version", "at_most_current", f"at most {current.version}")],
            current_version=current.version,
        )
    aggregate = current if version is None else ledger.repository.get(aggregate_id, version=version)
    body = state(aggregate)
    body["current_version"] = current.version
    return as_json(body, ETag=etag(aggregate.version))


def show_history(kind: str, **ids: UUID) -> Response:
    query = load_query(HistoryQuery)
    aggregate_id = _resolve(kind, **ids)
    after = query.get("after", 0)
    limit = query["limit"]
    types = set(query.get("types", []))
    items: list[dict[str, Any]] = []
    more = False
    for event in _events_after(aggregate_id, after, limit + 1):
        if "since" in query and event.timestamp < query["since"]:
            continue
        if "until" in query and event.timestamp >= query["until"]:
            continue
        if "actor" in query and event.provenance.actor != query["actor"]:
            continue
        if types and event_type(event) not in types:
            continue
        if len(items) == limit:
            more = True
            break
        items.append(record(event))
    next_cursor = str(items[-1]["version"]) if more and items else None
    return as_json({"items": items, "next": next_cursor})


def _events_after(aggregate_id: UUID, after: int, page: int) -> Iterator[Any]:
    """The aggregate's events after version ``after``, read a page at a time: a history
    page of a branch's work with hundreds of facts reads and decodes only what it shows
    (when filters skip events, the next page is read)."""
    events = runtime().ledger.events
    while True:
        found = list(events.get(aggregate_id, gt=after, limit=page))
        yield from found
        if len(found) < page:
            return
        after = found[-1].originator_version


def _add_resource(kind: str, rule: str) -> None:
    def get_state(**ids: UUID) -> Response:
        return show_state(kind, **ids)

    def get_history(**ids: UUID) -> Response:
        return show_history(kind, **ids)

    label = kind.replace("_", " ")
    get_state.__name__ = f"get_{kind}"
    get_state.__doc__ = (
        f"The {label}'s state: now, at ?version=N, or as recorded by ?known_at=T. "
        "ETag: its version."
    )
    get_history.__name__ = f"get_{kind}_history"
    get_history.__doc__ = (
        f"The {label}'s audit history: every event with actor, source, recorded time, business"
        " date and correction links; filter by since/until (recorded), actor and types."
    )
    bp.add_url_rule(rule, view_func=get_state, methods=["GET"])
    bp.add_url_rule(rule + "/history", view_func=get_history, methods=["GET"])


for _kind in KINDS.values():
    if _kind.shown:
        _add_resource(_kind.name, _kind.path)


# -- the global feed ------------------------------------------------------------------------


def _topics_by_type() -> dict[str, list[str]]:
    """Posted type name → the topics of the event classes stored under it (no receipts)."""

    found: dict[str, list[str]] = {}
    for owner in (
        District,
        Committee,
        Branch,
        Instructor,
        SupervisionGroup,
        Campaign,
        BranchWork,
        Problem,
        Candidate,
        HostOrganization,
        NamedPerson,
    ):
        for value in vars(owner).values():
            if (
                isinstance(value, type)
                and issubclass(value, owner.Event)
                and value.__qualname__.startswith(owner.__name__ + ".")
            ):
                if value.__name__ in ("Event", "Created", "Fact"):
                    continue
                name = (
                    value.__name__
                    if value.__name__ in EVENT_TYPES
                    else owner.__name__ + value.__name__
                )
                found.setdefault(name, []).extend(stored_topics(value))
    return found


def stored_topics(cls: type) -> list[str]:
    """The topics events of ``cls`` are stored under: its own, and the one it had when the
    domain was the top-level package ``domain`` (events written then keep it)."""
    topic = get_topic(cls)
    legacy = topic.removeprefix("taizhang.")
    return [topic] if legacy == topic else [topic, legacy]


TOPICS = _topics_by_type()
ALL_TOPICS = sorted(t for topics in TOPICS.values() for t in topics)
assert not any(Receipt.__name__ in t for t in ALL_TOPICS)


# How far one feed request looks past ``after``, in log positions, when the caller's scope
# hides what it passes over. The scan stops on a multiple of FEED_BLOCK, so where it stops
# depends on ``after`` and the log's length only, never on where hidden events lie.
FEED_BLOCK = 1_000
FEED_SCAN = 10 * FEED_BLOCK


@bp.get("/feed")
def feed() -> Response:
    """The event log in order, for integrators to follow (receipts excluded).

    Each caller sees the events of its scope and nothing of the rest: ``next`` and
    ``last_position`` are either the position of an event the caller sees, or a block
    boundary reached by scanning, or the log's head (the log's length is no secret: every
    write answers with its position). So hidden events cannot be counted or located, with
    ``types`` or without.
    """
    query = load_query(FeedQuery)
    topics = ALL_TOPICS
    if "types" in query:
        unknown = [t for t in query["types"] if t not in TOPICS]
        if unknown:
            raise ApiProblem(
                422,
                f"unknown event types {unknown}",
                slug="validation",
                errors=[error_item("types", "known_event_type", f"unknown: {', '.join(unknown)}")],
            )
        topics = sorted(t for name in query["types"] for t in TOPICS[name])
    ledger = runtime().ledger
    after, limit = query["after"], query["limit"]
    head = ledger.recorder.max_notification_id() or 0
    scan_end = head if head - after <= FEED_SCAN else (after + FEED_SCAN) // FEED_BLOCK * FEED_BLOCK
    scan_end = max(scan_end, after)
    visible = _Visibility()
    items: list[dict[str, Any]] = []
    cursor = after
    while cursor < scan_end and len(items) <= limit:
        notifications = ledger.recorder.select_notifications(
            start=cursor,
            limit=FEED_BLOCK,
            stop=scan_end,
            topics=topics,
            inclusive_of_start=False,
        )
        for notification in notifications:
            try:
                event = ledger.mapper.to_domain_event(notification)
            except Exception:  # noqa: BLE001 - a stored event that cannot be read
                # Marked, not served as a 500: the rest of the log still answers. Its
                # position is no secret (every write answers with one); nothing else of it
                # is shown (`taizhang verify` says what happened to it).
                items.append(damaged_item(notification.id))
                if len(items) > limit:
                    break
                continue
            if visible(event):
                item = record(event)
                item["position"] = notification.id
                items.append(item)
                if len(items) > limit:
                    break
        if len(notifications) < FEED_BLOCK:
            break
        cursor = notifications[-1].id
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]["position"]
        return as_json({"items": items, "next": str(last), "last_position": last})
    more = scan_end < head
    return as_json(
        {"items": items, "next": str(scan_end) if more else None, "last_position": scan_end}
    )


def damaged_item(position: int) -> dict[str, Any]:
    """A feed item for a stored event that cannot be read."""
    return {
        "position": position,
        "damaged": True,
        "detail": "the stored event cannot be read; `taizhang verify` checks the log",
    }


class _Visibility:
    """Whether the caller's scope covers an event's aggregate (memoized per request)."""

    def __init__(self) -> None:
        self.scope = scope()
        self.seen: dict[UUID, bool] = {}

    def __call__(self, event: Any) -> bool:
        if self.scope.is_admin:
            return True
        aggregate_id = event.originator_id
        if aggregate_id not in self.seen:
            self.seen[aggregate_id] = self._covers(aggregate_id)
        return self.seen[aggregate_id]

    def _covers(self, aggregate_id: UUID) -> bool:
        s = self.scope
        try:
            aggregate = _whose(aggregate_id)
            kind = type(aggregate).__name__
            if kind == "Branch":
                return s.covers_branch(aggregate)
            if kind in ("BranchWork", "Problem", "BranchLife"):
                return s.covers_branch(_whose(aggregate.branch_id))
            if kind == "Committee":
                return s.covers_committee(aggregate)
            if kind == "HostOrganization":
                return s.covers_host_organization(aggregate)
            if kind == "SupervisionGroup":
                return s.covers_group(aggregate)
            if kind == "District":
                return s.in_district(aggregate.id)
            return s.in_district(aggregate.district_id)
        except (AggregateNotFoundError, AttributeError):
            return False
        except Exception:  # noqa: BLE001 - an aggregate with a damaged event: not shown
            log.warning("feed: aggregate %s cannot be read", aggregate_id, exc_info=True)
            return False


def _whose(aggregate_id: UUID) -> Any:
    """An aggregate, to say whose it is: as it stands, or, when one of its stored events
    cannot be read, as its first event made it (which says whose it is)."""
    repository = runtime().ledger.repository
    try:
        return repository.get(aggregate_id)
    except AggregateNotFoundError:
        raise
    except Exception:  # noqa: BLE001 - a damaged event later in its history
        log.warning("feed: aggregate %s cannot be read whole", aggregate_id)
        return repository.get(aggregate_id, version=1)


# -- vocabularies ---------------------------------------------------------------------------


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


@bp.get("/vocabularies")
def vocabularies() -> Response:
    """Every closed vocabulary with its Chinese and English labels, and the phase templates."""
    body = {_snake(v.__name__): v.labels() for v in ALL_VOCABULARIES}
    body["phase_templates"] = {
        EIGHT_ONES.key: {
            "labels": {"zh": EIGHT_ONES.name_zh, "en": EIGHT_ONES.name_en},
            "phases": [
                {
                    "key": p.key,
                    "order": p.order,
                    "labels": {"zh": p.name_zh, "en": p.name_en},
                    "done_when": list(p.done_when),
                    "started_by": list(p.started_by),
                }
                for p in EIGHT_ONES.phases
            ],
        }
    }
    body["event_types"] = sorted(EVENT_TYPES)
    return as_json(body, Cache_Control="public, max-age=3600")


__all__ = ["NotFound", "as_json", "bp", "load_query"]
