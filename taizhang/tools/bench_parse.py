"""``taizhang bench parse``: what the plain loaders save when a batch's items are parsed.

A batch of 1,000 items is parsed twice in this process, alternating: by the plain loaders
(``taizhang.api.schemas.envelope.plain_envelope`` and ``taizhang.api.schemas.plain``), which the API
uses first, and by the marshmallow schemas alone (the baseline). Prints one JSON line: the plain
loaders' time, the schemas', and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

from taizhang.api.schemas.envelope import PostingSchema, plain_envelope
from taizhang.api.writes import DATA_SCHEMAS, PLAIN_LOADERS
from taizhang.commands import positive_int
from taizhang.tools.bench_ingest import emit, load, machine

ENVELOPE_SCHEMA = PostingSchema()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=positive_int, default=1000, help="items in the batch")
    parser.add_argument("--rounds", type=positive_int, default=20, help="parses of each kind")


def _bodies(items: int) -> list[dict[str, Any]]:
    campaign, branch = str(uuid.uuid4()), str(uuid.uuid4())
    return [
        {
            "type": "OptionalActionRecorded",
            "occurred_on": "2014-05-01",
            "client_event_id": f"item-{n}",
            "data": {"campaign_id": campaign, "branch_id": branch, "title": f"事项 {n}"},
        }
        for n in range(items)
    ]


def _parse(bodies: list[dict[str, Any]], plainly: bool) -> float:
    started = time.perf_counter()
    for body in bodies:
        envelope = plain_envelope(body) if plainly else None
        if envelope is None:
            envelope = ENVELOPE_SCHEMA.load(body)
        loader = PLAIN_LOADERS[envelope["type"]] if plainly else None
        loaded = loader(dict(envelope["data"])) if loader is not None else None
        if loaded is None:
            DATA_SCHEMAS[envelope["type"]].load(dict(envelope["data"]))
    return time.perf_counter() - started


def run(settings: Any, args: argparse.Namespace) -> int:
    bodies = _bodies(args.items)
    _parse(bodies, True), _parse(bodies, False)  # warm both
    plain, schemas = [], []
    for _ in range(args.rounds):
        plain.append(_parse(bodies, True))
        schemas.append(_parse(bodies, False))
    value, baseline = statistics.median(plain) * 1000, statistics.median(schemas) * 1000
    emit(
        "batch_items_parsed",
        value,
        "ms a batch",
        baseline="marshmallow schemas alone, same items, alternating in one process",
        baseline_value=round(baseline, 3),
        ratio=round(value / baseline, 3),
        items=args.items,
        machine=machine(),
        load=load(),
    )
    return 0
