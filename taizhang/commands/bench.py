"""``taizhang bench <name>``: benchmarks that print JSON lines (figure, value, unit, baseline).

Each benchmark registers itself in ``BENCHMARKS`` with a function that adds its options and
one that runs it, so another benchmark is one more entry.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from taizhang.config import Settings
from taizhang.tools import (
    bench_capacity,
    bench_ingest,
    bench_parse,
    bench_party_life,
    bench_projector,
    bench_rebuild,
    bench_scale,
)


@dataclass(frozen=True)
class Benchmark:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Settings, argparse.Namespace], int]


BENCHMARKS: dict[str, Benchmark] = {
    "capacity": Benchmark(
        "unit costs (CPU, I/O a post, batch item, view read, projected and rebuilt event) "
        "and the province's sizing from them (docs/SCALING.md)",
        bench_capacity.configure,
        bench_capacity.run,
    ),
    "ingest": Benchmark(
        "HTTP ingest rate (single posts, batches) and supervision view latency",
        bench_ingest.configure,
        bench_ingest.run,
    ),
    "parse": Benchmark(
        "a batch's items parsed by the plain loaders beside marshmallow alone",
        bench_parse.configure,
        bench_parse.run,
    ),
    "party-life": Benchmark(
        "the district's compliance view of organizational life, and its fold rate",
        bench_party_life.configure,
        bench_party_life.run,
    ),
    "projector": Benchmark(
        "the projector's cost per event as a branch's history grows",
        bench_projector.configure,
        bench_projector.run,
    ),
    "rebuild": Benchmark(
        "rebuild rate of the read models, live lag and peak memory",
        bench_rebuild.configure,
        bench_rebuild.run,
    ),
    "scale": Benchmark(
        "the capacity model's prediction beside a run at 10 million events: generation, "
        "rebuild, view p99 (docs/SCALING.md)",
        bench_scale.configure,
        bench_scale.run,
    ),
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark (prints JSON lines)")
    names = parser.add_subparsers(dest="benchmark", required=True, metavar="NAME")
    for name, benchmark in BENCHMARKS.items():
        sub = names.add_parser(name, help=benchmark.help)
        benchmark.configure(sub)
        sub.set_defaults(run=benchmark.run)
