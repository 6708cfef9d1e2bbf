"""The capacity model's arithmetic (docs/SCALING.md): from unit costs to a province's sizing.

Issue 24: "from them the machines a province (say 150 districts, 300,000 branches, 30 million
events a year) needs for its peak day and for a full rebuild, and which part saturates first".
"""

from __future__ import annotations

import pytest

from taizhang.tools.capacity_model import Province, UnitCosts, size

COSTS = UnitCosts(
    post_app_ms=1.0,
    post_db_ms=0.2,
    item_app_ms=0.1,
    item_db_ms=0.02,
    read_fixed_ms=0.5,
    read_app_ms_per_branch=0.001,
    read_db_ms_per_branch=0.0,
    project_app_ms=0.1,
    project_db_ms=0.05,
    rebuild_events_per_s=20_000,
    rebuild_cores=1.3,
    rebuild_rss_bytes_per_event=1500,
    rebuild_working_set_events_per_s=10_000,
    rebuild_working_set_rss_bytes=400 * 2**20,
    wal_bytes_per_post=1800,
    wal_bytes_per_item=900,
    wal_bytes_per_projected_event=1700,
    disk_bytes_per_event=1700,
)


def test_the_peak_hour_rate_comes_from_the_year_the_peak_day_and_its_busiest_hour() -> None:
    sizing = size(COSTS, Province())
    # 30e6 a year over 250 days = 120,000 a day; the peak day 10x; a quarter in one hour.
    assert sizing.peak_events_per_s == pytest.approx(120_000 * 10 * 0.25 / 3600)
    single = items = sizing.peak_events_per_s / 2
    assert sizing.ingest_cores == pytest.approx((single * 1.2 + items * 0.12) / 1000)
    assert sizing.projector_cores == pytest.approx(sizing.peak_events_per_s * 0.15 / 1000)
    # Two reads a minute of each district's 2,000 branches, and a branch read after a post;
    # each read costs an empty request's 0.5 ms and 1 µs a branch it shows.
    reads = 150 * 2 / 60 + single
    rows = 150 * 2 / 60 * 2000 + single
    assert sizing.peak_reads_per_s == pytest.approx(reads)
    assert sizing.view_cores == pytest.approx((reads * 0.5 + rows * 0.001) / 1000)
    assert sizing.cores == pytest.approx(
        (sizing.ingest_cores + sizing.projector_cores + sizing.view_cores) / 0.6
    )


def test_a_rebuild_past_the_hold_goes_through_the_working_set_in_flat_memory() -> None:
    """Issue 24: "the projector's memory is bounded by its configuration, not by the data"."""
    sizing = size(COSTS, Province())
    log = 30e6 * 5  # five years in one ledger: past the hold
    assert sizing.rebuild_hours_one_ledger == pytest.approx(log / 10_000 / 3600)
    assert sizing.rebuild_memory_gib_one_ledger == pytest.approx(400 / 1024)
    # A district's million events are within the hold: held, faster, memory by the event.
    assert sizing.rebuild_hours_one_district == pytest.approx(log / 150 / 20_000 / 3600)
    assert sizing.rebuild_memory_gib_one_district == pytest.approx(log / 150 * 1500 / 2**30)
    # Memory grows only up to the hold (1.4 GiB here), then stays the working set's: it
    # limits no growth, and the cores saturate first.
    assert not any(part.startswith("rebuild memory") for part in sizing.headroom)
    assert sizing.saturates_first == "cpu of the machines"


def test_a_province_held_in_memory_would_need_more_than_a_machine() -> None:
    held = size(COSTS, Province(rebuild_hold_events=1e12))
    log = 30e6 * 5
    assert held.rebuild_memory_gib_one_ledger == pytest.approx(log * 1500 / 2**30)
    # 209 GiB against a machine's 32 GiB: the first part to saturate.
    assert held.saturates_first == "rebuild memory, the province in one ledger (one machine)"
    assert held.headroom[held.saturates_first] == min(held.headroom.values()) < 1


def test_district_rebuilds_run_side_by_side_as_the_cores_allow() -> None:
    sizing = size(COSTS, Province(machine_cores=8))
    assert sizing.machines == 1
    assert sizing.parallel_rebuilds == int(8 // 1.3)  # memory allows more: 1.05 GiB each
    waves = -(-150 // sizing.parallel_rebuilds)
    assert sizing.rebuild_hours_province == pytest.approx(waves * sizing.rebuild_hours_one_district)


def test_machines_grow_with_the_load_but_the_one_projector_does_not() -> None:
    """A thousand times the events: more machines carry the ingest and the reads, but the
    log's one projector process needs more than a core, so it saturates first."""
    busy = size(COSTS, Province(events_per_year=30e9, years_kept=0))
    assert busy.machines > 1
    assert busy.headroom["cpu of the machines"] >= 1 / 0.6 - 1e-9
    assert busy.projector_share_of_one_core == pytest.approx(busy.peak_events_per_s * 0.15 / 1000)
    assert busy.projector_share_of_one_core > 1
    assert busy.saturates_first == "the projector (one process for the province's log)"
