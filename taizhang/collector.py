"""The cyclic garbage collector in a request-serving process.

A batch of 1,000 events allocates some hundred thousand objects, so with the default
thresholds the collector runs many times per batch, and every full collection walks every
object the process holds:

- modules, the Flask app, schemas, the event-sourcing machinery: made once at start and
  living as long as the process. Frozen, collections skip them (about a tenth of a batch's
  CPU, measured in-process).
- the cached aggregates, whose facts churn as the cache makes room. Their collections
  grew with the cache: a sixth of a batch's CPU once the branch works were a few hundred
  facts long. Collecting the youngest generation after 10,000 allocations instead of 700
  makes every collection rarer, while reference counting still frees everything that is
  not in a cycle at once.
"""

from __future__ import annotations

import gc

YOUNGEST_THRESHOLD = 10_000


def tune_for_serving() -> None:
    """Call once the app is loaded, before serving: what exists now is kept for good, and
    the collector runs less often from then on."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_THRESHOLD, middle, oldest)
