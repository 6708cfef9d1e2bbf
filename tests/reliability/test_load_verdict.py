"""The load run's search for the maximum and its verdict, on made-up step and interval results."""

from __future__ import annotations

from typing import Any

from taizhang.tools.load_verdict import find_max, held, steady, verdict, warmed


def summary(
    rate: float, *, kept: float = 1.0, p99: float = 100.0, errors: int = 0
) -> dict[str, Any]:
    return {
        "requests": 1000,
        "throughput_rps": round(rate * kept, 1),
        "p50_ms": p99 / 4,
        "p99_ms": p99,
        "server_errors": errors,
        "statuses": {"201": 1},
    }


class Server:
    """Keeps up to ``capacity`` requests per second; beyond, it falls behind and p99 soars."""

    def __init__(self, capacity: float) -> None:
        self.capacity = capacity
        self.offered: list[float] = []

    def trial(self, rate: float, step: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        self.offered.append(rate)
        if rate <= self.capacity:
            return [summary(rate, p99=50 + rate)] * 3, summary(rate, p99=50 + rate)
        return [], summary(rate, kept=self.capacity / rate, p99=5000)


class Backlogged(Server):
    """Answers every step in time and keeps up, but past ``capacity`` its queue grows: the
    last third of a step waits far longer than the first."""

    def trial(self, rate: float, step: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        self.offered.append(rate)
        growth = 1.0 if rate <= self.capacity else 1 + (rate - self.capacity) / 10
        parts = [summary(rate, p99=100 * growth**n) for n in range(3)]
        return parts, summary(rate, p99=parts[-1]["p99_ms"])


def test_find_max_steps_up_until_a_step_does_not_hold() -> None:
    server = Server(capacity=120)
    lines: list[dict[str, Any]] = []
    best = find_max(
        server.trial, start_rate=25, factor=1.5, max_rate=2000, max_p99_ms=1000, emit=lines.append
    )
    assert server.offered == [25, 37.5, 56.2, 84.3, 126.4]
    assert best == 84.3
    assert [line["held"] for line in lines] == [True, True, True, True, False]
    assert all(line["kind"] == "step" for line in lines)


def test_a_step_whose_queue_grows_does_not_hold_though_it_kept_up() -> None:
    server = Backlogged(capacity=100)
    lines: list[dict[str, Any]] = []
    best = find_max(
        server.trial, start_rate=50, factor=1.5, max_rate=2000, max_p99_ms=1000, emit=lines.append
    )
    # 112.5 kept up with a p99 within budget, but its last third waited 5x as long as the first.
    assert server.offered == [50, 75, 112.5] and best == 75
    assert lines[-1]["parts_p99_ms"][-1] > 1.5 * lines[-1]["parts_p99_ms"][0]
    assert lines[-1]["p99_ms"] <= 1000 and not lines[-1]["held"]


def test_steadiness_compares_the_first_and_last_parts_with_requests() -> None:
    parts = [summary(100, p99=300), summary(100, p99=900), summary(100, p99=450)]
    assert steady(parts)
    assert not steady([*parts, summary(100, p99=451)])
    # A few milliseconds' wobble at a low p99 is chance, not a queue.
    assert steady([summary(100, p99=20), summary(100, p99=119)])
    assert not steady([summary(100, p99=20), summary(100, p99=121)])
    assert steady([summary(100, p99=100), {"requests": 0, "p99_ms": None}])
    assert steady([])


def test_find_max_stops_at_the_cap_and_reports_none_when_nothing_held() -> None:
    server = Server(capacity=10_000)
    best = find_max(
        server.trial, start_rate=40, factor=2, max_rate=100, max_p99_ms=1000, emit=lambda _: None
    )
    assert server.offered == [40, 80, 100] and best == 100
    slow = Server(capacity=5)
    assert (
        find_max(
            slow.trial, start_rate=10, factor=2, max_rate=100, max_p99_ms=1000, emit=lambda _: None
        )
        is None
    )


def test_a_step_with_errors_or_a_p99_over_budget_does_not_hold() -> None:
    assert held(summary(100), 100, 1000)
    assert not held(summary(100, errors=1), 100, 1000)
    assert not held(summary(100, p99=1200), 100, 1000)
    assert not held(summary(100, kept=0.8), 100, 1000)


def interval(p99: float, rss: dict[str, int], seconds: float = 60, requests: int = 4000) -> Any:
    return {"seconds": seconds, "requests": requests, "p99_ms": p99, "rss_kb": rss}


def test_a_steady_flat_run_passes() -> None:
    intervals = [
        interval(400, {"1": 90_000, "2": 95_000}),
        *[interval(450, {"1": 92_000, "2": 97_000}) for _ in range(8)],
        interval(520, {"1": 95_000, "2": 99_000}),
        interval(3000, {"1": 99_000, "2": 120_000}, seconds=2, requests=10),  # the remainder
    ]
    judged = verdict(intervals, summary(70), rate=70, interval=60, workers=[1, 2])
    assert judged["passed"], judged["reasons"]
    assert judged["p99_ratio"] == 1.3
    assert judged["rss_growth"] == {"1": 0.056, "2": 0.042}


def test_growing_p99_or_memory_fails_with_the_reasons() -> None:
    intervals = [interval(1163, {"1": 88_000}), interval(3048, {"1": 133_000})]
    judged = verdict(intervals, summary(70, kept=0.45), rate=70, interval=60, workers=[1])
    assert not judged["passed"]
    assert judged["p99_ratio"] == 2.62
    assert any("p99 last/first" in r for r in judged["reasons"])
    assert any("RSS grew 51.1%" in r for r in judged["reasons"])
    assert any("did not keep up" in r for r in judged["reasons"])


def test_the_projectors_growth_is_judged_like_the_workers() -> None:
    """Issue 24: "a soak ... ends with the projector's RSS within 10 % of where it was after
    warm-up, and the workers' too"."""
    flat = [
        interval(400, {"1": 90_000, "7": 200_000}),
        interval(420, {"1": 91_000, "7": 209_000}),
    ]
    judged = verdict(flat, summary(70), rate=70, interval=60, workers=[1], projector=7)
    assert judged["passed"], judged["reasons"]
    assert judged["rss_growth"] == {"1": 0.011}
    assert judged["projector_rss_growth"] == 0.045
    growing = [flat[0], interval(420, {"1": 91_000, "7": 220_000})]
    judged = verdict(growing, summary(70), rate=70, interval=60, workers=[1], projector=7)
    assert not judged["passed"]
    assert judged["reasons"] == ["projector RSS grew 10.0% >= 10%"]
    unmeasured = [flat[0], interval(420, {"1": 91_000})]
    judged = verdict(unmeasured, summary(70), rate=70, interval=60, workers=[1], projector=7)
    assert not judged["passed"] and "projector's RSS not measured" in judged["reasons"][0]


def test_every_workers_rss_is_judged_not_only_those_measured() -> None:
    """Issue 24: the soak ends "with the projector's RSS within 10 % ... and the workers'
    too": one worker growing fails the run, and so does one whose RSS was not measured."""
    first = interval(400, {"1": 90_000, "2": 90_000, "7": 200_000})
    one_grew = interval(400, {"1": 91_000, "2": 99_500, "7": 201_000})
    judged = verdict(
        [first, one_grew], summary(70), rate=70, interval=60, workers=[1, 2], projector=7
    )
    assert judged["reasons"] == ["worker RSS grew 10.6% >= 10%"]
    one_gone = interval(400, {"1": 91_000, "7": 201_000})
    judged = verdict(
        [first, one_gone], summary(70), rate=70, interval=60, workers=[1, 2], projector=7
    )
    assert not judged["passed"]
    assert judged["reasons"] == ["worker 2 RSS not measured in both intervals"]


def test_too_short_a_run_is_not_judged_a_pass() -> None:
    judged = verdict([interval(100, {"1": 1})], summary(10), rate=10, interval=60, workers=[1])
    assert not judged["passed"]
    assert judged["reasons"] == ["fewer than two full intervals to compare"]


def rss(**by_pid: int) -> dict[str, Any]:
    return {"rss_kb": {pid.lstrip("w"): kb for pid, kb in by_pid.items()}}


def test_warmed_once_no_worker_grew_three_thousandths_in_an_interval() -> None:
    # Run D's slower worker, minute by minute: filling, then flat.
    assert not warmed(rss(w1=100_200, w2=87_700), rss(w1=100_400, w2=93_200), [1, 2])
    assert not warmed(rss(w1=100_400, w2=97_000), rss(w1=100_500, w2=99_000), [1, 2])
    assert warmed(rss(w1=100_500, w2=99_000), rss(w1=100_600, w2=99_100), [1, 2])
    # Session 5: one worker filling slowly, under 1% a minute, far below the other.
    assert not warmed(rss(w1=99_672, w2=77_248), rss(w1=100_092, w2=77_904), [1, 2])


def test_warm_up_waits_for_the_projector_too() -> None:
    # The projector's pid goes with the workers' (taizhang.commands.load): filling, then flat.
    assert not warmed(rss(w1=100_000, w7=180_000), rss(w1=100_100, w7=190_000), [1, 7])
    assert warmed(rss(w1=100_100, w7=190_000), rss(w1=100_200, w7=190_200), [1, 7])


def test_not_warmed_without_every_workers_rss() -> None:
    assert not warmed(rss(w1=100_000), rss(w1=100_000, w2=90_000), [1, 2])
    assert not warmed(rss(w1=100_000), rss(w1=100_000), [])
