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
    # Accounts the campaign office makes (api.pages.accounts).
    "login": ("登录名", "Login name"),
    "password": ("密码", "Password"),
    "or_token": ("或使用访问令牌登录", "Or sign in with an access token"),
    "bad_account": (
        "登录失败：登录名或密码不正确，或账户暂时锁定。",
        "Sign-in failed: wrong login name or password, or the account is locked for a while.",
    ),
    "accounts": ("账户管理", "Accounts"),
    "accounts_help": (
        "为督导人员开设账户（登录名请用代号，不用真实姓名）。账户只能授予本区范围内的权限。",
        "Accounts for the people who supervise (use a pseudonym as the login name, never a "
        "real name). An account is granted at most this district.",
    ),
    "role": ("角色", "Role"),
    "role_office": ("区委实践办", "Campaign office"),
    "role_committee": ("党(工)委", "Committee"),
    "role_supervisor": ("督导组", "Supervisor"),
    "role_integrator": ("系统接入", "Integrator"),
    "role_none": ("—", "—"),
    "scope": ("范围", "Scope"),
    "whole_district": ("全区", "Whole district"),
    "created": ("开设", "Created"),
    "actions": ("操作", "Actions"),
    "active": ("正常", "Active"),
    "locked": ("暂时锁定", "Locked for a while"),
    "account_disabled_on": ("已停用", "Disabled"),
    "new_password": ("新密码", "New password"),
    "reset_password": ("重设密码", "Reset password"),
    "disable": ("停用", "Disable"),
    "new_account": ("开设账户", "New account"),
    "create_account": ("开设", "Create"),
    "branch_ids": ("支部编号（可多个）", "Branch ids (any number)"),
    "reason": ("事由", "Reason"),
    "password_help": (
        "密码至少 12 个字符。连续 5 次登录失败后账户锁定 15 分钟。",
        "A password has at least 12 characters. Five failed sign-ins in a row lock the "
        "account for 15 minutes.",
    ),
    "account_created": ("账户已开设。", "The account was created."),
    "account_disabled": (
        "账户已停用，其登录已全部退出。",
        "The account was disabled and signed out.",
    ),
    "account_reset": ("密码已重设。", "The password was reset."),
    "account_history": ("账户记录", "Account history"),
    "action": ("操作", "Action"),
    "account_action_created": ("开设", "created"),
    "account_action_disabled": ("停用", "disabled"),
    "account_action_password_reset": ("重设密码", "password reset"),
    "account_action_locked": ("锁定", "locked"),
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
    "grading": ("分类定级", "Grading"),
    "grading_help": (
        "按“五好”标准分类定级（001 §二1），后进党组织晋位升级（001 §二3）。",
        "Graded by the five goods (001 §二1); lagging organizations move up (001 §二3).",
    ),
    "grading_round": ("定级轮次", "Grading round"),
    "no_grading_round": ("尚无定级轮次。", "No grading round yet."),
    "graded": ("已定级", "Graded"),
    "total": ("合计", "Total"),
    "grading_results": ("分类定级结果", "Grading results"),
    "lagging_list": ("后进党组织及晋位升级", "Lagging organizations and their upgrading"),
    "graded_on": ("定级日期", "Graded on"),
    "upgrading": ("晋位升级", "Upgrading"),
    "grading_timeline": ("定级历程", "Grading timeline"),
    "grade": ("等次", "Grade"),
    "movement": ("升降", "Move"),
    "moved_up": ("晋位", "up"),
    "moved_stayed": ("持平", "stayed"),
    "moved_down": ("降位", "down"),
    "grade_history": ("定级记录", "Grade history"),
    "grade_graded": ("定级", "graded"),
    "grade_regraded": ("复评", "re-graded"),
    "grade_corrected": ("更正", "corrected"),
    "grade_withdrawn": ("撤回", "withdrawn"),
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
    "party_life": ("组织生活", "Organizational life"),
    "party_life_help": (
        "三会一课、主题党日、民主生活会等按周期应完成的事项（002、003 §二）：本周应完成的、"
        "已逾期的，以及集体教育不足12天的党员。",
        "Duties on a cadence (三会一课, themed party days, democratic life meetings; 002, "
        "003 §二): what is due this week, what is overdue, and members short of 12 days of "
        "education.",
    ),
    "organization": ("组织", "Organization"),
    "duty": ("事项", "Duty"),
    "period": ("周期", "Period"),
    "due_on": ("应完成日期", "Due on"),
    "missing": ("缺少内容", "Missing"),
    "delayed_until": ("批准延期至", "delayed until"),
    "due_this_week": ("本周应完成", "Due this week"),
    "overdue_duties": ("逾期未完成", "Overdue"),
    "education_short": ("集体教育不足的党员", "Members short of education days"),
    "member": ("党员", "Member"),
    "days": ("已参加天数", "Days"),
    "required": ("应参加天数", "Required"),
    "year": ("年度", "Year"),
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
