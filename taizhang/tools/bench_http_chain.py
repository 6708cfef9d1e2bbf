"""What the hash chain costs an HTTP post: single posts through gunicorn with the store's
insert function linking the events, against the same posts with the same function without
the chain (``taizhang bench ingest --parts http-chain``).

Between runs the insert function is replaced in place (``CREATE OR REPLACE``), chained or
not, so both sides go through the same server, the same service and the same world; each
round runs both, in turn first, and the figures are the medians of the rounds' rates and
of their ratios. The bench's schema is dropped afterwards: the runs without the chain leave
events unlinked, which no real store ever holds.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from taizhang.ledger import Ledger
from taizhang.store.event_insert import function_statement
from taizhang.tools.bench_http import _http_posts

ROUNDS = 9


def http_chain_cost(
    settings: Any,
    emit: Callable[..., None],
    base: str,
    token: str,
    world: dict[str, Any],
    *,
    events: int,
    clients: int,
    **common: Any,
) -> None:
    ledger = Ledger(settings)
    recorder: Any = ledger.recorder
    rates: dict[bool, list[float]] = {True: [], False: []}

    def install(chained: bool) -> None:
        with recorder.datastore.transaction(commit=True) as curs:
            curs.execute(function_statement(recorder, chained=chained))

    try:
        for round_ in range(ROUNDS):
            for chained in (True, False) if round_ % 2 == 0 else (False, True):
                install(chained)
                tag = f"chain-{round_}-{'with' if chained else 'without'}"
                rates[chained].append(_http_posts(base, token, world, events, clients, tag))
    finally:
        install(True)
        ledger.close()
    ratios = [w / wo for w, wo in zip(rates[True], rates[False], strict=True)]
    ratio = statistics.median(ratios)
    emit(
        "http_single_posts_with_chain",
        round(statistics.median(rates[True]), 1),
        "events/s",
        baseline="the same posts, the insert function without the chain",
        baseline_value=round(statistics.median(rates[False]), 1),
        ratio=round(ratio, 3),
        cost=round(1 - ratio, 3),
        target_cost=0.10,
        rounds=ROUNDS,
        events_per_side_and_round=clients * (events // clients),
        clients=clients,
        ratios=[round(r, 3) for r in ratios],
        **common,
    )
