"""A rebuild in a child process, for the benchmarks: its wall time and its memory.

The child's own peak is its address space's high-water mark (``VmHWM`` in
``/proc/self/status``), not ``getrusage``'s ``ru_maxrss``: at exec Linux folds the old
address space's high-water mark into ``ru_maxrss``, and ``subprocess`` starts the child by
vfork from the benchmark, which may hold gigabytes of the log it generated. The helper
(``projections.rebuild._Helper``) is forked, never exec'd: ``RUSAGE_CHILDREN`` is its own.

Run as ``python -m taizhang.tools.rebuild_child URL DATA_DIR HOLD_EVENTS WORKING_SET``; prints
one JSON line.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from taizhang.config import Settings
from taizhang.projections.rebuild import rebuild

STATUS = Path("/proc/self/status")


def _status_bytes(field: str) -> int | None:
    """A ``VmRSS``/``VmHWM``-like line of /proc/self/status in bytes; None without /proc."""
    try:
        lines = STATUS.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return None


def own_peak_rss_bytes() -> int:
    """This process's peak resident memory since it was exec'd."""
    found = _status_bytes("VmHWM")
    if found is not None:
        return found
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str]) -> None:
    url, data_dir, hold, working_set = argv
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        rebuild_hold_events=int(hold),
        projector_working_set=int(working_set),
    )
    start_rss = _status_bytes("VmRSS") or 0
    started = time.perf_counter()
    rebuild(settings)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "start_rss_bytes": start_rss,
        "peak_rss_bytes": own_peak_rss_bytes(),
        "helper_peak_rss_bytes": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }
    print(json.dumps(figures), flush=True)


def rebuild_in_child(settings: Settings, hold_events: int) -> dict[str, float]:
    """Rebuild in a child process, holding the views in memory up to ``hold_events`` events
    of log (else through ``settings.projector_working_set``): its seconds, its RSS at start
    and at its peak, and its helper's peak (each its own)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "taizhang.tools.rebuild_child",
            settings.database_url,
            settings.data_dir,
            str(hold_events),
            str(settings.projector_working_set),
        ],
        check=True,
        stdout=subprocess.PIPE,  # the child's traceback, if any, goes to our stderr
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


if __name__ == "__main__":
    main(sys.argv[1:])
