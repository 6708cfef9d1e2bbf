"""The demo district's organizational life as data: the upper level's themes of the month,
the committees' own activities, the district's programme and its mid-year change, and the
members' education. ``taizhang.demo.upper_life`` and ``taizhang.demo.party_life`` write them.

Seed 003 §二: "“1”即每次活动主题由上级党组织结合党内集中教育、中心工作、阶段性重点工作安排
确定并统一时间"; "每季度组织一次非“两新”组织党建工作观摩交流"; "每年开展一次述职评议考核".
Seed 002: "党员每年累计参加集体教育活动时间不少于12天".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from taizhang.domain.life_programme import STANDARD_DATA

YEAR = 2014
# The themes of 2014's months (the campaign's year: 党的群众路线教育实践活动), and the day of
# the month the committees most often set as the unified date.
MONTH_THEMES: dict[int, tuple[str, int]] = {
    1: ("学习十八届三中全会精神", 16),
    2: ("弘扬雷锋精神，开展志愿服务", 27),
    3: ("学习焦裕禄精神，践行群众路线", 20),
    4: ("听取职工意见，查找“四风”问题", 17),
    5: ("学党章、守纪律、作表率", 22),
    6: ("迎“七一”，重温入党誓词", 12),
}
# The months a committee publishes no theme of its own, by the committee's position in the
# district's list: its branches then follow the district's theme if there is one, else
# their month is judged on the "6" alone.
SILENT_MONTHS: dict[int, tuple[int, ...]] = {2: (1, 6), 5: (2, 4, 11)}
# The district's own themes (the office, for every branch): June's for the anniversary.
DISTRICT_MONTHS = (2, 6)
# A committee that moved a unified date after publishing it (ThemeRevised), and one that
# withdrew a theme published in error and published it again.
REVISED = {3: 4}  # committee position → month
WITHDRAWN = {8: 5}

# How a branch answers its committee's theme, by chance: on the unified date; on another day
# with the reason recorded (late); on another day with none (off date); its own topic
# (not followed). The rest of a month's chance is the branch keeping its rhythm at all.
FOLLOW_CHANCES = (("on_date", 0.72), ("late", 0.12), ("off_date", 0.06), ("own", 0.10))
LATE_REASONS = (
    "生产任务重，推迟一周",
    "书记外出学习",
    "企业年检，改期举行",
    "与结对单位联合开展，另定日期",
)

EXCHANGE_TOPICS = (
    "观摩“五好”党组织阵地建设",
    "交流党员志愿服务队做法",
    "观摩党建带群建工作",
    "交流服务承诺落实情况",
)
REPORTING_TOPIC = "2013年度党组织书记抓党建工作述职评议考核"
EDUCATION_TOPICS = (
    ("党的群众路线教育专题学习", 2),
    ("党章党规集中学习", 1),
    ("红色教育基地现场教学", 1),
    ("党员冬训", 3),
    ("网上党校专题课程", 1),
)


def programme_versions() -> list[tuple[date, list[dict[str, Any]], int, str]]:
    """The district's programme for 2014: the seeds' own from 1 January; from 1 May, as the
    district decided mid-year, the monthly meetings get five days' grace and the themed
    party day three."""
    first = [dict(d) for d in STANDARD_DATA]
    changed = [dict(d) for d in STANDARD_DATA]
    for duty in changed:
        if duty["key"] in ("members_meeting", "committee_meeting", "group_meeting"):
            duty["grace_days"] = 5
        if duty["key"] == "themed_party_day":
            duty["grace_days"] = 3
    return [
        (date(YEAR, 1, 1), first, 12, "按上级规定执行"),
        (date(YEAR, 5, 1), changed, 12, "五月起：三会宽限5天，主题党日宽限3天"),
    ]
