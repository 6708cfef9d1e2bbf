"""The load run the reliability issue asks for: find the maximum, hold 70% of it, judge it.

``find_max`` steps the offered rate up (each step a short open-loop run) until a step does not
hold: the server must keep up (throughput at least ``HOLD_SHARE`` of the offered rate), answer
without 5xx or connection errors, keep p99 under a budget, and keep it steady across the step
(its last part's p99 within ``MAX_P99_RATIO`` of its first part's, as the long run is judged).
A server that is falling behind still answers a short step in time, but its queue grows; that
rate is not one it can hold, and 70% of it would not be 70% of what it can. The maximum is the
last rate that held.

``verdict`` judges the long run at a share of it: p99 of the last interval within
``MAX_P99_RATIO`` of the first, every worker's RSS and the projector's grown less than
``MAX_RSS_GROWTH`` from the first interval after warm-up, no server errors, and the run kept up
with its rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HOLD_SHARE = 0.9
MAX_P99_RATIO = 1.5
MAX_RSS_GROWTH = 0.10
# A warm-up interval in which no worker's RSS grew by this share or more: its caches are full.
# Ten such intervals stay under a third of MAX_RSS_GROWTH; with 1% a worker whose cache filled
# slowly (77.2 -> 77.9 MB while the other stood at 100 MB) passed for warm in session 5.
# Flat, RSS moves by about 0.1% an interval (session 4: 99.0 -> 99.4 MB over six minutes).
WARMED_RSS_GROWTH = 0.003
# An interval shorter than this share of the reporting interval (the remainder at the end) is
# too few requests to judge a p99 by.
FULL_INTERVAL_SHARE = 0.5
# A step's parts are a few seconds each: a p99 of a few hundred requests moves by tens of
# milliseconds by chance, while a queue that builds adds seconds.
STEP_NOISE_MS = 100.0


def held(
    total: dict[str, Any],
    rate: float,
    max_p99_ms: float,
    parts: list[dict[str, Any]] | None = None,
) -> bool:
    """Whether a step at ``rate`` held: kept up, no server errors, p99 within budget, and
    (given the step's ``parts``, in order) no queue building up across it."""
    p99 = total.get("p99_ms")
    return (
        total["server_errors"] == 0
        and total["throughput_rps"] >= HOLD_SHARE * rate
        and p99 is not None
        and p99 <= max_p99_ms
        and steady(parts or [])
    )


def steady(parts: list[dict[str, Any]]) -> bool:
    """The last part's p99 within ``MAX_P99_RATIO`` of the first's, or within
    ``STEP_NOISE_MS`` of it (true with fewer than two parts)."""
    timed = [part["p99_ms"] for part in parts if part.get("requests") and part["p99_ms"]]
    if len(timed) < 2:
        return True
    first, last = timed[0], timed[-1]
    return last <= max(MAX_P99_RATIO * first, first + STEP_NOISE_MS)


def warmed(before: dict[str, Any], after: dict[str, Any], workers: list[int]) -> bool:
    """Whether every worker's RSS (``rss_kb`` of two interval lines in a row) grew less than
    ``WARMED_RSS_GROWTH``: the caches a worker fills up to a bound are full, so what the run
    measures next is growth that does not stop (a leak), not the filling."""
    grown = [grown_by(before, after, pid) for pid in workers]
    return bool(grown) and all(g is not None and g < WARMED_RSS_GROWTH for g in grown)


def grown_by(before: dict[str, Any], after: dict[str, Any], pid: int) -> float | None:
    """How much a process's RSS grew from one interval line to another (after / before - 1),
    or None if either did not measure it."""
    start, end = before["rss_kb"].get(str(pid)), after["rss_kb"].get(str(pid))
    return end / start - 1 if start and end else None


Step = tuple[list[dict[str, Any]], dict[str, Any]]


def find_max(
    trial: Callable[[float, int], Step],
    *,
    start_rate: float,
    factor: float,
    max_rate: float,
    max_p99_ms: float,
    emit: Callable[[dict[str, Any]], None],
) -> float | None:
    """The highest rate that held, stepping from ``start_rate`` by ``factor`` up to ``max_rate``.

    ``trial(rate, step)`` runs one step and returns its parts' summaries, in order, and
    the total's.
    """
    best: float | None = None
    rate = start_rate
    step = 0
    while True:
        parts, total = trial(rate, step)
        ok = held(total, rate, max_p99_ms, parts)
        emit(
            {
                "kind": "step",
                "rate": rate,
                "held": ok,
                "throughput_rps": total["throughput_rps"],
                "p50_ms": total["p50_ms"],
                "p99_ms": total["p99_ms"],
                "parts_p99_ms": [part["p99_ms"] for part in parts],
                "server_errors": total["server_errors"],
                "statuses": total["statuses"],
            }
        )
        if not ok:
            return best
        best = rate
        if rate >= max_rate:
            return best
        rate = round(min(rate * factor, max_rate), 1)
        step += 1


def verdict(
    intervals: list[dict[str, Any]],
    total: dict[str, Any],
    *,
    rate: float,
    interval: float,
    workers: list[int],
    projector: int | None = None,
) -> dict[str, Any]:
    """Steady p99, flat memory, no server errors, kept up: the run's final line.

    Every worker's RSS and a separate projection worker's (``projector``) are judged alike,
    each measured in the first and the last interval: the workers' caches and the
    projector's working set are bounded by their configuration (``TAIZHANG_CACHE_EVENTS``,
    ``TAIZHANG_PROJECTOR_WORKING_SET``), so growth at the end of a soak is a leak.
    """
    full = [
        line
        for line in intervals
        if line["requests"] and line["seconds"] >= FULL_INTERVAL_SHARE * interval
    ]
    reasons: list[str] = []
    p99_ratio: float | None = None
    rss_growth: dict[str, float] = {}
    projector_growth: float | None = None
    if len(full) < 2:
        reasons.append("fewer than two full intervals to compare")
    else:
        first, last = full[0], full[-1]
        if first["p99_ms"] and last["p99_ms"] is not None:
            p99_ratio = round(last["p99_ms"] / first["p99_ms"], 2)
            if p99_ratio > MAX_P99_RATIO:
                reasons.append(f"p99 last/first {p99_ratio} > {MAX_P99_RATIO}")
        unmeasured = []
        for pid in workers:
            grown = grown_by(first, last, pid)
            if grown is None:
                unmeasured.append(str(pid))
            else:
                rss_growth[str(pid)] = round(grown, 3)
        if unmeasured and rss_growth:
            # A worker that died or was replaced during the run: its memory is not judged.
            reasons.append(f"worker {', '.join(unmeasured)} RSS not measured in both intervals")
        if projector is not None:
            grown = grown_by(first, last, projector)
            projector_growth = None if grown is None else round(grown, 3)
            if grown is None:
                reasons.append("the projector's RSS not measured in the first and last interval")
            elif grown >= MAX_RSS_GROWTH:
                reasons.append(f"projector RSS grew {grown:.1%} >= 10%")
        if not rss_growth:
            reasons.append("no worker RSS measured in both the first and the last interval")
        elif max(rss_growth.values()) >= MAX_RSS_GROWTH:
            reasons.append(f"worker RSS grew {max(rss_growth.values()):.1%} >= 10%")
    if total["server_errors"]:
        reasons.append(f"{total['server_errors']} server or connection errors")
    if total["throughput_rps"] < HOLD_SHARE * rate:
        reasons.append(f"throughput {total['throughput_rps']} rps did not keep up with {rate}")
    return {
        "kind": "verdict",
        "rate": rate,
        "p99_first_ms": full[0]["p99_ms"] if full else None,
        "p99_last_ms": full[-1]["p99_ms"] if full else None,
        "p99_ratio": p99_ratio,
        "rss_growth": rss_growth,
        "projector_rss_growth": projector_growth,
        "passed": not reasons,
        "reasons": reasons,
    }
