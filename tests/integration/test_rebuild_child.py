"""The benchmarks' rebuild child reports its own memory, not the benchmark's.

``bench scale`` once printed a rebuild peak of 1.04 GB at 2 million events (3.6 times the
model's) while the child, sampled from /proc, never held more than 203 MB: ``ru_maxrss`` of a
process started by exec carries the high-water mark of the process that spawned it, here
the benchmark holding the log it had just generated.
"""

from __future__ import annotations

from taizhang.config import Settings
from taizhang.migrate import upgrade
from taizhang.tools.rebuild_child import rebuild_in_child

MIB = 1024 * 1024
HELD = 400 * MIB


def test_the_childs_peak_leaves_out_what_its_parent_held(sqlite_settings: Settings) -> None:
    upgrade(sqlite_settings)
    held = bytearray(HELD)
    for offset in range(0, HELD, 4096):  # resident, not merely reserved
        held[offset] = 1
    child = rebuild_in_child(sqlite_settings, 0)
    assert held[0] == 1
    assert 0 < child["start_rss_bytes"] <= child["peak_rss_bytes"]
    assert child["peak_rss_bytes"] < HELD // 2
    assert child["seconds"] > 0
