"""The collector of a serving process: startup objects frozen, young collections rarer."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from taizhang.collector import YOUNGEST_THRESHOLD, tune_for_serving


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector_restored")
def test_tuning_freezes_what_exists_and_raises_only_the_youngest_threshold() -> None:
    _, middle, oldest = gc.get_threshold()
    tune_for_serving()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNGEST_THRESHOLD, middle, oldest)
