"""Read models: what supervisors read, folded from the event log (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from projections.digest import digest
from projections.schema import PROJECTIONS

__all__ = ["PROJECTIONS", "digest"]
