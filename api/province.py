"""Many districts, one service: each district's ledger under its own URL prefix, and the
province's roll-up of their views.

``create_province_app`` builds, for each district of the province (``taizhang.districts``),
the very application a one-ledger service is (``api.create_app`` over the district's
settings: its event store, its projector, its tokens, its pages) and mounts it at
``/districts/<key>/``; the province's own routes are ``/province/api/v1/…``, and ``/healthz``
and ``/readyz`` answer for the whole service.

A request reaches a district's ledger by its URL prefix, and only with a token of that
district: a token of another district, or of the province, is answered 404 there (the
district does not exist for it), as a district's token is on the province's routes. The
province's tokens (role ``province``, read-only) live in the province's own database.

``GET /province/api/v1/rollup`` (``as_of``, ``known_at``, ``year``, meaning what they mean
on every district's view) gives per district the headline figures of its own views
(``taizhang.projections.rollup``), read through the district's views (or its replay as known at
``known_at``, a replay of the district's log), with each district's freshness: its log head, its
projections' positions and how far they are behind. ``/readyz`` is ready when every
district's database answers and no district's projections are more than ``max_lag`` behind.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, json, request
from prometheus_client import Gauge
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from taizhang.api import create_app, ops
from taizhang.api.auth import Credential, TokenStore
from taizhang.api.ops import READY_MAX_LAG
from taizhang.api.problems import ApiProblem, register_error_handlers
from taizhang.api.province_openapi import document
from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import Runtime
from taizhang.api.schemas.queries import PartyLifeQuery
from taizhang.config import Settings
from taizhang.districts import District, Province, load_province, prepare
from taizhang.domain.business_day import business_today
from taizhang.domain.errors import DomainError
from taizhang.projections.report import ReplayBusy
from taizhang.projections.rollup import ledger_headlines, province_totals

log = logging.getLogger(__name__)

PROVINCE_ROLE = "province"
DISTRICT_LAG = Gauge(
    "taizhang_district_projection_lag_events",
    "Events in a district's log its views have not folded yet",
    ["district", "projection"],
    multiprocess_mode="max",
)
REPLAY_WAIT_SECONDS = 1.0
ROLLUP_THREADS = 8
REPLAY_RETRY_AFTER_SECONDS = 30

bp = Blueprint("province", __name__, url_prefix="/province/api/v1")
ops_bp = Blueprint("province_ops", __name__)


class ProvinceTokens(TokenStore):
    """The province's tokens: role ``province`` only, scoped to no district."""

    roles = (PROVINCE_ROLE,)
    districtless = (PROVINCE_ROLE,)


@dataclass
class ProvinceRuntime:
    province: Province
    tokens: ProvinceTokens
    apps: dict[str, Flask]
    max_lag: int = READY_MAX_LAG
    # The districts' views are read side by side (each over its own connections), so the
    # roll-up takes about its slowest district, not their sum.
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(ROLLUP_THREADS, thread_name_prefix="rollup")
    )

    def runtime(self, key: str) -> Runtime:
        found: Runtime = self.apps[key].extensions["taizhang"]
        return found

    def elsewhere(self, here: str | None, token: str) -> bool:
        """Whether a token unknown at ``here`` (a district's key; None: the province) is the
        province's or another district's."""
        if here is not None and _known(self.tokens, token):
            return True
        return any(key != here and _known(self.runtime(key).tokens, token) for key in self.apps)

    def close(self) -> None:
        for key in self.apps:
            self.runtime(key).close()
        self.tokens.close()
        self.executor.shutdown(wait=False)


def create_province_app(
    settings: Settings | None = None,
    province: Province | None = None,
    *,
    start_projections: bool = False,
    max_lag: int = READY_MAX_LAG,
) -> Flask:
    settings = settings or Settings.from_env()
    province = province or load_province(settings)
    if province is None:
        raise ValueError("create_province_app: no districts configured (TAIZHANG_DISTRICTS)")
    prepare(province)
    apps = {
        d.key: create_app(d.settings, start_projections=start_projections)
        for d in province.districts
    }
    state = ProvinceRuntime(province, ProvinceTokens(province.settings), apps, max_lag)
    for key, district_app in apps.items():
        state.runtime(key).elsewhere = _asker(state, key)
        # A district's page session is its own: signed with its own key, sent to it alone.
        district_app.config["SESSION_COOKIE_PATH"] = f"/districts/{key}/"
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["taizhang.province"] = state
    register_error_handlers(app)
    app.register_blueprint(bp)
    app.register_blueprint(ops_bp)
    app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, {f"/districts/{key}": a for key, a in apps.items()}
    )
    return app


def _asker(state: ProvinceRuntime, key: str) -> Any:
    return lambda token: state.elsewhere(key, token)


def _state() -> ProvinceRuntime:
    found: ProvinceRuntime = current_app.extensions["taizhang.province"]
    return found


@bp.before_request
def _authenticate() -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise ApiProblem(
            401,
            "send Authorization: Bearer <token>",
            slug="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="taizhang"'},
        )
    found = _state().tokens.lookup(token)
    if found is None and _state().elsewhere(None, token):
        raise ApiProblem(404, "no such resource for this token", slug="not-found")
    if found is None or found.role != PROVINCE_ROLE:
        raise ApiProblem(
            401,
            "the token is unknown or revoked",
            slug="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="taizhang", error="invalid_token"'},
        )
    g.credential = found


@bp.get("/districts")
def districts() -> Response:
    """The province's districts: each one's key, name and the URL prefix of its ledger."""
    return as_json(
        {
            "items": [
                {"key": d.key, "name": d.name, "url": f"/districts/{d.key}/api/v1"}
                for d in _state().province.districts
            ]
        }
    )


@bp.get("/me")
def me() -> Response:
    """Who the token is: its name and role (``province``: reads the roll-up)."""
    credential: Credential = g.credential
    return as_json({"name": credential.name, "role": credential.role})


@bp.get("/rollup")
def rollup() -> Response:
    """Per district, the headline figures of its own views (campaign progress, coverage,
    grade distribution, organizational life) on ``as_of`` as known at ``known_at``, their
    sums for the province, and each district's freshness."""
    query = load_query(PartyLifeQuery)
    day: date = query.get("as_of") or business_today()
    year: int = query.get("year") or day.year
    known_at: datetime | None = query.get("known_at")
    state = _state()
    # Live views are read side by side; replays take turns in a process (projections.report),
    # so as known at a time the districts go one after another, never racing for a turn.
    each = state.executor.map if known_at is None else map
    items = list(each(lambda d: _entry(state, d, day, year, known_at), state.province.districts))
    return as_json(
        {
            "as_of": day.isoformat(),
            "known_at": known_at.isoformat() if known_at is not None else None,
            "year": year,
            "fresh": all(item["freshness"]["fresh"] for item in items),
            "districts": items,
            "total": province_totals(items),
        }
    )


def _entry(
    state: ProvinceRuntime, district: District, day: date, year: int, known_at: datetime | None
) -> dict[str, Any]:
    """One district's part of the roll-up: its figures and its freshness."""
    rt = state.runtime(district.key)
    entry: dict[str, Any] = {
        "key": district.key,
        "name": district.name,
        "url": f"/districts/{district.key}/api/v1",
        "freshness": freshness(rt, state.max_lag),
    }
    try:
        entry["districts"] = ledger_headlines(_views(rt, known_at), day, year)
    except (ApiProblem, DomainError):
        raise  # the request's own fault (a known_at not yet reached): answered as on a district
    except Exception as error:  # noqa: BLE001 - one district down leaves the others
        log.warning("province roll-up: district %s unavailable: %r", district.key, error)
        entry["districts"] = []
        entry["unavailable"] = True
        entry["freshness"]["fresh"] = False
    return entry


def _known(tokens: TokenStore, token: str) -> bool:
    """Whether this store knows the token; a district that cannot answer does not (one
    district down never turns another's 401 into an error)."""
    try:
        return tokens.lookup(token) is not None
    except Exception as error:  # noqa: BLE001 - any failure: not known here
        log.warning("province: a token store could not answer: %r", error)
        return False


def _views(rt: Runtime, known_at: datetime | None) -> Any:
    if known_at is None:
        return rt.views
    try:
        return rt.replays.views(known_at, wait=REPLAY_WAIT_SECONDS)
    except ReplayBusy as busy:
        raise ApiProblem(
            503,
            f"{busy}; views as known at a past time replay the log, one at a time",
            slug="report-busy",
            headers={"Retry-After": str(REPLAY_RETRY_AFTER_SECONDS)},
        ) from None


def freshness(rt: Runtime, max_lag: int) -> dict[str, Any]:
    """A district's log head, its projections' positions and how far behind they are."""
    try:
        head = rt.ledger.log_head()
        positions = {name: int(p) for name, p in rt.views.positions().items()}
    except Exception as error:  # noqa: BLE001 - any failure means not fresh
        log.warning("province: freshness check failed: %r", error)
        return {"database": "unavailable", "fresh": False}
    behind = max((max(0, head - p) for p in positions.values()), default=head)
    return {
        "database": "ok",
        "log_head": head,
        "positions": positions,
        "behind": behind,
        "fresh": behind <= max_lag,
    }


@ops_bp.get("/healthz")
def healthz() -> Response:
    """The process is up."""
    return Response(json.dumps({"status": "ok"}), mimetype="application/json")


@ops_bp.get("/readyz")
def readyz() -> Response:
    """Every district's database answers and its views are at most ``max_lag`` behind."""
    state = _state()
    checks = {
        d.key: freshness(state.runtime(d.key), state.max_lag) for d in state.province.districts
    }
    ready = all(check["fresh"] for check in checks.values())
    body = {"status": "ready" if ready else "not ready", "districts": checks}
    response = Response(json.dumps(body), status=200 if ready else 503, mimetype="application/json")
    if not ready:
        response.headers["Retry-After"] = "5"
    return response


@ops_bp.get("/metrics")
def metrics() -> Response:
    """The process's Prometheus metrics (every district's requests and posts), with each
    district's projection lag (``taizhang_district_projection_lag_events``)."""
    state = _state()
    for district in state.province.districts:
        found = freshness(state.runtime(district.key), state.max_lag)
        for name, position in found.get("positions", {}).items():
            DISTRICT_LAG.labels(district.key, name).set(max(0, found["log_head"] - position))
    return ops.metrics()


@ops_bp.get("/province/openapi.json")
def openapi() -> Response:
    """The province's routes as an OpenAPI 3 document."""
    return Response(json.dumps(document()), mimetype="application/json")
