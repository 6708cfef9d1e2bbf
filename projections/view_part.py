"""What each part of ``taizhang.projections.queries.Views`` (supervision, ledger, coverage, grading,
yearly) reads through: ``Views`` gives the rows of a query over its connection (live
tables, or a replay's as known at a time), its cache of rendered views and a campaign's
row. The parts inherit these names from here, so that each is written and checked alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from taizhang.projections.shared_views import Rendered


class ViewPart:
    # The knowledge time of views replayed from the log (None: live, known now).
    known_at: str | None

    def _rows(self, text: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError  # Views's

    def _cached(
        self, key: tuple[Any, ...], compute: Callable[[], Any], min_position: int | None = None
    ) -> Any:
        raise NotImplementedError  # Views's

    def _campaign(self, campaign_id: UUID | str) -> dict[str, Any]:
        raise NotImplementedError  # Views's

    def _rendered(
        self, key: tuple[Any, ...], compute: Callable[[], Any], min_position: int | None
    ) -> Any:
        """The view ``compute`` makes, cached under ``key`` and the knowledge time, kept
        rendered and shared by every reader (never change it)."""
        found: Rendered = self._cached(
            (*key, self.known_at), lambda: Rendered.of(compute()), min_position
        )
        return found.value


def loaded(value: Any) -> Any:
    """A JSON column's value, parsed unless it is already."""
    return json.loads(value) if isinstance(value, str) else value
