"""What a grading round (分类定级) judges by, as data: criteria, grades, survey items.

Seed 001 §二1 grades each organization by the "five goods" (五好) into advanced, average and
lagging after a survey of five matters; a round names its criteria, with the five goods as
the template that ships, so another round can judge by other standards.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import require_value
from .vocabulary import Labelled


class Grade(Labelled):
    """001 §一: 转化一批后进党组织，提升一批一般党组织，巩固扩大一批先进党组织."""

    ADVANCED = ("advanced", "先进", "Advanced")
    AVERAGE = ("average", "一般", "Average")
    LAGGING = ("lagging", "后进", "Lagging")

    @property
    def rank(self) -> int:
        """Higher is better: lagging 0, average 1, advanced 2."""
        return _RANK[self.value]


_RANK = {"lagging": 0, "average": 1, "advanced": 2}


class UpgradingStatus(Labelled):
    """An upgrading plan moves like a rectification: planned → in progress → done →
    verified; a failed verification sends it back to in progress."""

    PLANNED = ("planned", "已定措施", "Planned")
    IN_PROGRESS = ("in_progress", "整改中", "In progress")
    DONE = ("done", "已完成", "Done")
    VERIFIED = ("verified", "已验收", "Verified")


# 001 §二1: 重点调查组织设置是否合理、领导班子是否健全、组织制度是否完善、经费场所保障是否落实、
# 作用发挥是否充分.
SURVEY_ITEMS: dict[str, str] = {
    "organization_setting": "组织设置是否合理",
    "leadership": "领导班子是否健全",
    "systems": "组织制度是否完善",
    "funds_and_venue": "经费场所保障是否落实",
    "role_played": "作用发挥是否充分",
}


@dataclass(frozen=True)
class CriterionDefinition:
    key: str
    name_zh: str
    name_en: str
    order: int

    def __post_init__(self) -> None:
        require_value(
            bool(self.key) and self.key.replace("_", "").isalnum() and self.key.islower(),
            "criteria.key",
            "snake_case",
            f"criterion key {self.key!r} must be lower snake_case",
        )
        require_value(bool(self.name_zh.strip()), "criteria.name_zh", "required", "name required")
        require_value(bool(self.name_en.strip()), "criteria.name_en", "required", "name required")


# 001 §二1: 按照“领导班子好、党员队伍好、工作机制好、工作业绩好、群众反映好”的标准.
FIVE_GOODS: tuple[CriterionDefinition, ...] = (
    CriterionDefinition("leadership", "领导班子好", "Good leadership", 1),
    CriterionDefinition("members", "党员队伍好", "Good body of members", 2),
    CriterionDefinition("mechanisms", "工作机制好", "Good working mechanisms", 3),
    CriterionDefinition("performance", "工作业绩好", "Good performance", 4),
    CriterionDefinition("public_opinion", "群众反映好", "Good standing with the public", 5),
)
TEMPLATES: dict[str, tuple[CriterionDefinition, ...]] = {"five_goods": FIVE_GOODS}
