"""The pages' own words in Chinese and English. Names of phases, statuses, categories and
the like come with the API's data (``name_zh``/``name_en``, ``*_labels``); these are the
words around them."""

from __future__ import annotations

from typing import Any

WORDS: dict[str, tuple[str, str]] = {
    "app": ("台账 · 督导", "Taizhang · supervision"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "token": ("访问令牌", "Access token"),
    "token_help": (
        "请输入区委实践办发给您的令牌（以 tz_ 开头）。",
        "Enter the token the campaign office gave you (it starts with tz_).",
    ),
    "bad_token": ("令牌无效或已注销。", "The token is unknown or revoked."),
    "signed_in_as": ("当前用户", "Signed in as"),
    "overview": ("总览", "Overview"),
    "branches": ("支部", "Branches"),
    "ledger": ("问题清单台账", "Problem ledger"),
    "chase": ("督办清单", "Follow-up lists"),
    "district": ("区", "District"),
    "committee": ("党(工)委", "Committee"),
    "group": ("督导组", "Supervision group"),
    "as_of": ("业务日期", "Business date"),
    "known_at": ("记录截至（北京时间）", "Known at (Beijing time)"),
    "as_of_help": ("截至该日已发生的情况", "what had happened by that day"),
    "known_at_help": ("只看此时以前已记录的", "only what had been recorded by then"),
    "show": ("查看", "Show"),
    "reset": ("重置", "Reset"),
    "chart_title": ("“八个一”各环节进度", "The eight ones, phase by phase"),
    "weekly_title": (
        "逐周完成情况（各环节已完成的支部数，灰线为参加支部数）",
        "Week by week: branches with each phase done (grey: branches enrolled)",
    ),
    "done": ("已完成", "Done"),
    "in_progress": ("进行中", "In progress"),
    "not_started": ("未开始", "Not started"),
    "overdue": ("已逾期", "Overdue"),
    "phase": ("环节", "Phase"),
    "deadline": ("截止日期", "Deadline"),
    "done_on": ("完成日期", "Done on"),
    "status": ("状态", "Status"),
    "late": ("逾期完成", "done late"),
    "ranking": ("党(工)委排名", "Committee ranking"),
    "rank": ("名次", "Rank"),
    "name": ("名称", "Name"),
    "branch_count": ("支部数", "Branches"),
    "phases_done_share": ("环节完成率", "Phases done"),
    "phases_overdue": ("逾期环节", "Overdue phases"),
    "problems": ("问题", "Problems"),
    "problems_listed": ("列出问题", "Problems listed"),
    "problems_rectified": ("已整改", "Rectified"),
    "problems_overdue": ("整改逾期", "Rectification overdue"),
    "rectification_rate": ("整改率", "Rectification rate"),
    "standalone_rate": ("单独组建率", "Standalone rate"),
    "target": ("目标", "target"),
    "met": ("已达标", "met"),
    "not_met": ("未达标", "not met"),
    "silent_branches": ("沉默支部", "Silent branches"),
    "silent": ("沉默", "Silent"),
    "all_phases_done": ("八个环节全部完成", "All eight done"),
    "category": ("类别", "Category"),
    "formation": ("组建方式", "Formation"),
    "any": ("全部", "Any"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "last_activity": ("最近活动", "Last activity"),
    "timeline": ("“八个一”进度", "The eight ones"),
    "audit": ("审计记录", "Audit history"),
    "audit_help": (
        "每一条记录：由谁、从哪个系统、业务日期、记录时间；更正和撤回相互链接。",
        "Every fact: who, from which system, business date, recorded time; corrections and "
        "withdrawals are linked both ways.",
    ),
    "type": ("事项", "Fact"),
    "actor": ("记录人", "Actor"),
    "source": ("来源", "Source"),
    "occurred_on": ("业务日期", "Business date"),
    "recorded_at": ("记录时间", "Recorded at"),
    "details": ("内容", "Details"),
    "corrects": ("更正了", "corrects"),
    "withdraws": ("撤回了", "withdraws"),
    "corrected_by": ("已被更正", "corrected by"),
    "withdrawn_by": ("已被撤回", "withdrawn by"),
    "description": ("问题", "Problem"),
    "measures": ("整改措施", "Measures"),
    "responsible": ("责任人", "Responsible"),
    "listed_on": ("列出日期", "Listed on"),
    "rectified_on": ("整改完成", "Rectified on"),
    "percent_done": ("进度", "Progress"),
    "verified": ("验收", "Verified"),
    "download": ("下载 Excel", "Download Excel"),
    "filter": ("筛选", "Filter"),
    "more": ("下一页", "Next page"),
    "overdue_phases": ("逾期环节的支部", "Branches with overdue phases"),
    "overdue_rectifications": ("逾期未整改的问题", "Overdue rectifications"),
    "none": ("无", "None"),
    "not_found": (
        "找不到，或不在您的权限范围内。",
        "Not found, or outside what your token may read.",
    ),
    "error": ("出错了", "Something went wrong"),
    "same_as_api": ("同一数据的 API", "The same data from the API"),
    "nothing": ("您的令牌尚无可查看的活动。", "Your token reaches no campaign yet."),
    "print": ("打印", "Print"),
    "first_shown": ("仅显示前 {n} 条", "first {n} shown"),
    "language": ("English", "中文"),
    "earlier": ("更早的记录", "Earlier records"),
    "branch": ("支部", "Branch"),
    "campaign": ("活动", "Campaign"),
    "service": ("志愿服务队与服务承诺", "Volunteer teams and commitments"),
    "visits": ("督导检查", "Supervision visits"),
    "VolunteerTeamSetUp": ("成立志愿服务队", "Volunteer team set up"),
    "ServiceCommitmentMade": ("作出服务承诺", "Commitment made"),
    "ServiceCommitmentFulfilled": ("兑现服务承诺", "Commitment fulfilled"),
    "targets_pending": ("尚未完成整顿的整顿对象", "Rectification targets not yet reorganized"),
    "coverage": ("两新组织覆盖", "Coverage of two-new organizations"),
    "coverage_help": (
        "按党组织应建尽建率和党的工作覆盖率均达到100%的要求（003 §三），对照台账逐一看缺口。",
        "Against the seeds' 100% targets for should-build and work coverage (003 §三), gap by gap.",
    ),
    "rate": ("指标", "Rate"),
    "value": ("现状", "Now"),
    "organizations": ("组织数", "Organizations"),
    "should_build": ("应建", "Should have one"),
    "built": ("已建", "Have one"),
    "gap_lists": ("缺口清单", "Gap lists"),
    "rule": ("规则", "Rule"),
    "seed": ("依据", "Source"),
    "count": ("数量", "Count"),
    "members": ("发展党员", "Member development"),
    "members_help": (
        "按发展党员工作制度（002）逐个环节看人数、时长和逾期事项；推行发展党员纪实制（001 §四5）。",
        "Each step of seed 002's path: how many, for how long, and what is overdue (001 §四5).",
    ),
    "members_no_committee": ("请选择党(工)委。", "Choose a committee."),
    "members_pipeline_xlsx": ("下载发展党员台账", "Download the pipeline"),
    "members_overdue_xlsx": ("下载逾期事项清单", "Download the overdue steps"),
    "members_stage": ("阶段", "Stage"),
    "members_days_median": ("天数中位", "Median days"),
    "members_days_max": ("最长天数", "Longest"),
    "members_overdue": ("逾期事项", "Overdue"),
    "members_plan": ("年度发展党员计划", "Yearly development plan"),
    "members_guidance": ("依据上级指导性计划", "Upper level's guiding plan"),
    "members_planned": ("计划", "Planned"),
    "members_done": ("已完成", "Done"),
    "members_even_pace": ("按进度应完成", "At an even pace"),
    "members_no_plan": ("本年度尚未制定计划。", "No plan for the year yet."),
    "members_people": ("人员（化名编号）", "People (pseudonymous ids)"),
    "members_person": ("人员编号", "Person"),
    "members_name": ("姓名", "Name"),
    "members_since": ("起始日期", "Since"),
    "members_days": ("天数", "Days"),
    "members_erased": ("（已删除）", "(erased)"),
}


def word(key: str, lang: str, **values: Any) -> str:
    zh, en = WORDS.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def words(lang: str) -> dict[str, str]:
    return {key: word(key, lang) for key in WORDS}


def label(item: dict[str, Any] | None, base: str, lang: str) -> str:
    """A value's label as the API carries it: ``{base}_zh``/``{base}_en``, or
    ``{base}_labels``/``labels`` ``{"zh": …, "en": …}``; else the value itself."""
    if not item:
        return ""
    direct = item.get(f"{base}_{lang}")
    if direct:
        return str(direct)
    labels = item.get(f"{base}_labels") or {}
    if isinstance(labels, dict) and labels.get(lang):
        return str(labels[lang])
    return str(item.get(base) or "")
