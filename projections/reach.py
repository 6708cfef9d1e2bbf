"""What one token reaches, in the read models: the names of its district's committees,
groups and campaigns (``directory``), and the part of a district a token scoped to some
committees, branches or a supervision group may read, as a filter of its views (``Reach``).

``GET /api/v1/me`` answers with the directory, so a caller finds there every id it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

Rows = Callable[[str, tuple[Any, ...]], list[dict[str, Any]]]


def _marks(ids: Collection[Any]) -> str:
    return ", ".join("?" for _ in ids)


@dataclass(frozen=True)
class Reach:
    """A part of a district: some committees, some branches and what a supervision group is
    assigned (committees and branches), together."""

    committee_ids: frozenset[UUID] = field(default_factory=frozenset)
    branch_ids: frozenset[UUID] = field(default_factory=frozenset)
    group_id: UUID | None = None

    def sql(self, alias: str = "bp") -> tuple[str, tuple[str, ...]]:
        """A condition on a ``branch_progress`` row (``alias``) and its parameters."""
        parts: list[str] = []
        params: list[str] = []
        if self.committee_ids:
            parts.append(f"{alias}.committee_id IN ({_marks(self.committee_ids)})")
            params += sorted(str(c) for c in self.committee_ids)
        if self.branch_ids:
            parts.append(f"{alias}.branch_id IN ({_marks(self.branch_ids)})")
            params += sorted(str(b) for b in self.branch_ids)
        if self.group_id is not None:
            parts.append(
                f"{alias}.committee_id IN (SELECT scope_id FROM view_group_scope "
                "WHERE group_id = ? AND scope_kind = 'committee')"
            )
            parts.append(
                f"{alias}.branch_id IN (SELECT scope_id FROM view_group_scope "
                "WHERE group_id = ? AND scope_kind = 'branch')"
            )
            params += [str(self.group_id), str(self.group_id)]
        if not parts:
            return "1 = 0", ()  # reaches nothing
        return f"({' OR '.join(parts)})", tuple(params)


def directory(
    rows: Rows,
    district_id: UUID | None,
    *,
    whole_district: bool,
    committee_ids: Collection[UUID] = (),
    branch_ids: Collection[UUID] = (),
    group_id: UUID | None = None,
) -> dict[str, Any]:
    """The committees, supervision and guidance groups, branches and campaigns a token
    reaches, with names: every one of its district's (``district_id`` None: of every
    district) when it covers the whole district, else those named and its group's."""
    where, params = ("WHERE district_id = ?", (str(district_id),)) if district_id else ("", ())
    campaigns = rows(
        "SELECT campaign_id, district_id, name, starts_on, ends_on FROM view_campaign "
        f"{where} ORDER BY starts_on, campaign_id",
        params,
    )
    if whole_district:
        committees = rows(
            "SELECT committee_id, district_id, name, kind FROM view_committee "
            f"{where} ORDER BY name, committee_id",
            params,
        )
        by_district = " AND district_id = ?" if district_id else ""
        return {
            "campaigns": campaigns,
            "committees": committees,
            "groups": _groups(rows, f"scope_kind = 'group'{by_district}", params),
            "branches": [],
        }
    group_committees: list[str] = []
    group_branches: list[str] = []
    groups: list[dict[str, Any]] = []
    if group_id is not None:
        groups = _groups(rows, "scope_kind = 'group' AND group_id = ?", (str(group_id),))
        for r in rows(
            "SELECT scope_kind, scope_id FROM view_group_scope WHERE group_id = ? "
            "AND scope_kind IN ('committee', 'branch')",
            (str(group_id),),
        ):
            (group_committees if r["scope_kind"] == "committee" else group_branches).append(
                r["scope_id"]
            )
    committees = _by_ids(
        rows,
        "SELECT committee_id, district_id, name, kind FROM view_committee WHERE committee_id IN",
        {str(c) for c in committee_ids} | set(group_committees),
        "name, committee_id",
    )
    branches = _by_ids(
        rows,
        "SELECT branch_id, district_id, committee_id, name, formation, category FROM view_branch "
        "WHERE branch_id IN",
        {str(b) for b in branch_ids} | set(group_branches),
        "name, branch_id",
    )
    return {
        "campaigns": campaigns,
        "committees": committees,
        "groups": groups,
        "branches": branches,
    }


def _groups(rows: Rows, condition: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return rows(
        "SELECT group_id, district_id, name, kind FROM view_group_scope "
        f"WHERE {condition} ORDER BY name, group_id",
        params,
    )


def _by_ids(rows: Rows, select: str, ids: set[str], order: str) -> list[dict[str, Any]]:
    if not ids:
        return []
    return rows(f"{select} ({_marks(ids)}) ORDER BY {order}", tuple(sorted(ids)))


__all__ = ["Reach", "directory"]
