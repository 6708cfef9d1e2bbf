"""The capacity model (docs/SCALING.md): from measured unit costs to the machines a province
needs on its peak day and for a full rebuild, and which part saturates first.

Plain arithmetic, kept apart from the measuring so that docs/SCALING.md, ``taizhang bench
capacity`` and ``taizhang bench scale`` all compute the same thing. CPU costs are core-seconds
of the service's processes and the database's backends together (``app`` and ``db``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class UnitCosts:
    """Measured on this machine (``taizhang bench capacity``)."""

    post_app_ms: float  # a single post: the service's workers
    post_db_ms: float  # ... and the database's backends
    item_app_ms: float  # an item of a batch of 1,000
    item_db_ms: float
    read_fixed_ms: float  # any read's fixed part: what an empty request costs the workers
    read_app_ms_per_branch: float  # a view read above that, per branch in the view
    read_db_ms_per_branch: float
    project_app_ms: float  # an event folded by the live projector
    project_db_ms: float
    rebuild_events_per_s: float  # one rebuild (its process and helper), wall clock
    rebuild_cores: float  # cores a rebuild keeps busy (its CPU + the database's / wall)
    rebuild_rss_bytes_per_event: float  # a held rebuild's peak memory grows with the log
    # A log past the hold is rebuilt through the working set: its own rate, and a peak
    # memory bounded by the working set's size, whatever the log's length.
    rebuild_working_set_events_per_s: float
    rebuild_working_set_rss_bytes: float
    wal_bytes_per_post: float
    wal_bytes_per_item: float
    wal_bytes_per_projected_event: float
    disk_bytes_per_event: float  # log, indexes and views on disk, per event in the log


@dataclass(frozen=True)
class Province:
    districts: int = 150
    branches: int = 300_000
    events_per_year: float = 30e6
    years_kept: int = 5  # a full rebuild replays every year still in the log
    business_days: int = 250
    peak_day_factor: float = 10.0  # the peak day (a campaign's deadline) over an average day
    peak_hour_share: float = 0.25  # the peak day's busiest hour carries this share of it
    batch_share: float = 0.5  # events arriving in integrators' batches, the rest posted singly
    district_reads_per_minute: float = 2.0  # each district's view, read by its officers
    branch_reads_per_event: float = 1.0  # a branch's own view read back after each post
    branch_view_rows: int = 1
    core_utilisation: float = 0.6  # headroom: plan cores at 60 % busy
    machine_cores: int = 8
    machine_memory_gib: float = 32.0
    rebuild_hold_events: float = 1_000_000  # TAIZHANG_REBUILD_HOLD_EVENTS's default


@dataclass(frozen=True)
class Sizing:
    peak_events_per_s: float
    peak_reads_per_s: float
    ingest_cores: float
    projector_cores: float
    view_cores: float
    app_cores: float
    db_cores: float
    cores: float
    machines: int
    projector_share_of_one_core: float  # the one projector process of the province's log
    wal_mb_per_s: float
    disk_gib_per_year: float
    log_events: float
    rebuild_hours_one_ledger: float  # the province in one ledger
    rebuild_memory_gib_one_ledger: float
    rebuild_hours_one_district: float  # a ledger per district (issue 24's districts)
    rebuild_memory_gib_one_district: float
    parallel_rebuilds: int
    rebuild_hours_province: float
    saturates_first: str
    headroom: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def size(costs: UnitCosts, p: Province) -> Sizing:
    per_day = p.events_per_year / p.business_days
    peak = per_day * p.peak_day_factor * p.peak_hour_share / SECONDS_PER_HOUR
    single, items = peak * (1 - p.batch_share), peak * p.batch_share
    district_rows = p.branches / p.districts
    district_reads = p.districts * p.district_reads_per_minute / 60
    branch_reads = single * p.branch_reads_per_event
    read_rows = district_reads * district_rows + branch_reads * p.branch_view_rows

    ms = 1 / 1000
    ingest_app = (single * costs.post_app_ms + items * costs.item_app_ms) * ms
    ingest_db = (single * costs.post_db_ms + items * costs.item_db_ms) * ms
    project_app = peak * costs.project_app_ms * ms
    project_db = peak * costs.project_db_ms * ms
    reads = district_reads + branch_reads
    view_app = (reads * costs.read_fixed_ms + read_rows * costs.read_app_ms_per_branch) * ms
    view_db = read_rows * costs.read_db_ms_per_branch * ms
    app = ingest_app + project_app + view_app
    db = ingest_db + project_db + view_db
    cores = (app + db) / p.core_utilisation
    # Today a province is one ledger: one log, one projector process folding all of it.
    projector = peak * (costs.project_app_ms + costs.project_db_ms) * ms

    wal = single * costs.wal_bytes_per_post + items * costs.wal_bytes_per_item
    wal += peak * costs.wal_bytes_per_projected_event
    log_events = p.events_per_year * p.years_kept
    district_events = log_events / p.districts
    one_rebuild_s, rebuild_memory = _rebuild(costs, p, district_events)
    ledger_rebuild_s, ledger_memory = _rebuild(costs, p, log_events)
    machines = max(1, -(-int(cores * 1000) // (p.machine_cores * 1000)))
    # Rebuilds of different districts run side by side, as many as the machines' cores
    # and memory hold (each keeps ``rebuild_cores`` busy and holds its view state).
    by_cores = int(machines * p.machine_cores // max(costs.rebuild_cores, 1e-9))
    by_memory = int(machines * p.machine_memory_gib * 0.8 // max(rebuild_memory, 1e-9))
    parallel = max(1, min(p.districts, by_cores, by_memory))
    waves = -(-p.districts // parallel)

    # How far each part could grow before it is full, at the machines sized above: the
    # smallest factor saturates first.
    capacity = machines * p.machine_cores
    usable = p.machine_memory_gib * 0.8
    headroom = {
        "cpu of the machines": capacity / max(app + db, 1e-9),
        "the projector (one process for the province's log)": 1 / max(projector, 1e-9),
        "the database primary's cpu (one machine)": p.machine_cores / max(db, 1e-9),
    }
    # A rebuild's memory grows with the log only up to the hold, then is the working set's:
    # it limits growth only where the hold admits a log whose held state would not fit.
    held_limit = p.rebuild_hold_events * costs.rebuild_rss_bytes_per_event / 2**30
    if max(held_limit, costs.rebuild_working_set_rss_bytes / 2**30) > usable:
        headroom["rebuild memory, the province in one ledger (one machine)"] = usable / max(
            ledger_memory, 1e-9
        )
        headroom["rebuild memory, a ledger per district (one machine)"] = usable / max(
            rebuild_memory, 1e-9
        )
    first = min(headroom, key=lambda k: headroom[k])
    return Sizing(
        peak_events_per_s=peak,
        peak_reads_per_s=reads,
        ingest_cores=ingest_app + ingest_db,
        projector_cores=project_app + project_db,
        view_cores=view_app + view_db,
        app_cores=app,
        db_cores=db,
        cores=cores,
        machines=machines,
        projector_share_of_one_core=projector,
        wal_mb_per_s=wal / 1e6,
        disk_gib_per_year=p.events_per_year * costs.disk_bytes_per_event / 2**30,
        log_events=log_events,
        rebuild_hours_one_ledger=ledger_rebuild_s / SECONDS_PER_HOUR,
        rebuild_memory_gib_one_ledger=ledger_memory,
        rebuild_hours_one_district=one_rebuild_s / SECONDS_PER_HOUR,
        rebuild_memory_gib_one_district=rebuild_memory,
        parallel_rebuilds=parallel,
        rebuild_hours_province=waves * one_rebuild_s / SECONDS_PER_HOUR,
        saturates_first=first,
        headroom={k: round(v, 2) for k, v in headroom.items()},
    )


def _rebuild(costs: UnitCosts, p: Province, events: float) -> tuple[float, float]:
    """A rebuild of a log of ``events``: its seconds and its peak memory in GiB, held in
    memory up to the hold, through the working set past it."""
    if events <= p.rebuild_hold_events:
        return (
            events / costs.rebuild_events_per_s,
            events * costs.rebuild_rss_bytes_per_event / 2**30,
        )
    return (
        events / costs.rebuild_working_set_events_per_s,
        costs.rebuild_working_set_rss_bytes / 2**30,
    )
