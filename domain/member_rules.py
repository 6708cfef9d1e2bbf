"""The time and vote rules of member development (发展党员) and 推优, as pure functions.

Seed 002 (发展党员工作制度) sets the minimum times in words such as "经考察一年以上" and
"不少于40学时"; in Chinese statutes "以上" and "不少于" include the number itself (民法典
第一千二百五十九条: "'以上'、'以下'、'以内'、'届满'，包括本数"), so exactly one year is
enough and one day less is not. A month or a year later is the same day of the month, or
the month's last day when it has no such day (29 February → 28 February).
"""

from __future__ import annotations

import calendar
from datetime import date

from .errors import require_value


def months_after(start: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def at_least_a_year(start: date, on: date) -> bool:
    """Seed 002: "经考察一年以上" / "经过一年以上培养教育后": a full year has passed by ``on``."""
    return on >= months_after(start, 12)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter 1–4): the period of a quarterly thought report (002 "一般每季度一次")."""
    return day.year, (day.month - 1) // 3 + 1


def half_of(day: date) -> tuple[int, int]:
    """(year, half 1–2): the period of an activist's assessment (002 "每半年…考核")."""
    return day.year, 1 if day.month <= 6 else 2


def check_votes(entitled: int, present: int, in_favour: int, against: int, abstaining: int) -> None:
    """Counts of a vote that can be true: nobody votes twice, nobody absent votes."""
    for name, value in (
        ("votes.entitled", entitled),
        ("votes.present", present),
        ("votes.in_favour", in_favour),
        ("votes.against", against),
        ("votes.abstaining", abstaining),
    ):
        require_value(value >= 0, name, "not_negative", f"{name} cannot be negative")
    require_value(entitled >= 1, "votes.entitled", "positive", "someone must be entitled to vote")
    require_value(
        present <= entitled,
        "votes.present",
        "at_most_entitled",
        f"{present} present but only {entitled} entitled to vote",
    )
    require_value(
        in_favour + against + abstaining <= present,
        "votes.in_favour",
        "at_most_present",
        f"{in_favour + against + abstaining} votes cast but only {present} present",
    )


def recommendation_carried(entitled: int, in_favour: int) -> bool:
    """Seed 004 四(三)3: "赞成数不低于应到会有表决权人数的一半" -- against those entitled to
    vote who should attend, not those present; exactly half carries it."""
    return 2 * in_favour >= entitled


def admission_carried(entitled: int, in_favour: int) -> bool:
    """A branch members' meeting (002 "采取举手或无记名投票的方式表决") admits by more than
    half of those entitled to vote: the seeds give no threshold, so the party's own one
    (《发展党员工作细则》第二十六条 "赞成人数超过应到会有表决权的正式党员的半数")."""
    return 2 * in_favour > entitled


def quorate(entitled: int, present: int) -> bool:
    """A branch members' meeting deciding on admission needs more than half of those entitled
    present (细则 第二十六条 "到会有表决权的正式党员超过应到会有表决权的正式党员的半数")."""
    return 2 * present > entitled


def training_enough(days: int, class_hours: int) -> bool:
    """Seed 002 (7): "时间一般为5~7天(或不少于40学时)"."""
    return 5 <= days <= 7 or class_hours >= 40


def publicity_days(starts_on: date, ends_on: date) -> int:
    """Calendar days of a publicity, both ends included. Seed 002 says "公示的时间为3天" and
    nothing of holidays, so a publicity ending on a holiday counts like any other day."""
    return (ends_on - starts_on).days + 1


MAX_MEMBER_ID = 64


def member_ids(ids: list[str], field: str, low: int, high: int, seed: str) -> list[str]:
    """``low``-``high`` different full members, each by pseudonymous id (contacts, sponsors)."""
    cleaned = [i.strip() for i in ids]
    require_value(
        all(0 < len(i) <= MAX_MEMBER_ID for i in cleaned),
        field,
        "pseudonymous_id",
        f"each of {field} is a full member's pseudonymous id of 1-{MAX_MEMBER_ID} characters",
    )
    require_value(
        low <= len(set(cleaned)) == len(cleaned) <= high,
        field,
        "count",
        f"{low}-{high} different full members; {seed}",
    )
    return cleaned


def votes_of(votes: dict[str, int]) -> tuple[int, int, int, int, int]:
    """The counts of a vote as given in a body, checked (``check_votes``)."""
    counts = tuple(
        int(votes.get(k, -1)) for k in ("entitled", "present", "in_favour", "against", "abstaining")
    )
    check_votes(*counts)
    return counts  # type: ignore[return-value]
