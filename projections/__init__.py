"""Read models: what supervisors read, folded from the event log (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from taizhang.projections.digest import digest
from taizhang.projections.schema import PROJECTIONS

__all__ = ["PROJECTIONS", "digest"]
