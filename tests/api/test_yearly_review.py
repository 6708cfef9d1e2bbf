"""The yearly review over HTTP: roles, scope and the summary as of a date and as known at a
time, on both databases.

Seed 003 §二: "每年开展一次述职评议考核…考核结果与“五星支部”…创建挂钩"; §三: funds ("党建工作
经费纳入企业管理费列支，不超过职工年度工资薪金总额1%的部分，可以据实在企业所得税前扣除") and the
"六有" venue standard; 000 §五(三): inspection of the special funds' use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from tests.api.conftest import START, Api
from tests.api.test_grading import catch_up

D1 = START + timedelta(days=1)
D2 = START + timedelta(days=2)


def open_review(api: Api, who: str = "office", **data: Any) -> str:
    body = {"district_id": str(api.ids["district"]), "year": START.year, "name": "年度考核", **data}
    answer = api.event("/api/v1/yearly-reviews", None, body, who, occurred_on=START.isoformat())
    return str(api.ok(answer)["aggregate_id"])


def on_review(
    api: Api, review: str, type_: str, branch: str, who: str = "office", **data: Any
) -> Any:
    on = data.pop("occurred_on", D1).isoformat()
    body = {"branch_id": str(api.ids[branch]), **data}
    return api.event(f"/api/v1/yearly-reviews/{review}/events", type_, body, who, occurred_on=on)


def test_assessments_five_stars_venues_funds_and_inspections_per_committee(api: Api) -> None:
    review = open_review(api)
    api.ok(on_review(api, review, "SecretaryAssessed", "b1", "committee_c1", secretary="P000011",
                     result="excellent", stars=5, evidence="述职"))  # fmt: skip
    api.ok(on_review(api, review, "SecretaryAssessed", "b2", secretary="P000012",
                     result="basically_competent", stars=2, evidence="述职"))  # fmt: skip
    api.ok(on_review(api, review, "VenueChecked", "b1", "integrator_b1",
                     present=["site", "facilities", "sign", "flag", "books", "rules"]))  # fmt: skip
    api.ok(on_review(api, review, "VenueChecked", "b2", present=["site", "flag"]))
    api.ok(on_review(api, review, "FundsRecorded", "b1", "integrator_b1", occurred_on=D2,
                     kind="management_expense", amount="5000", wage_total="300000",
                     purpose="党建活动"))  # fmt: skip
    api.ok(on_review(api, review, "FundsRecorded", "b1", occurred_on=D2, kind="award",
                     amount="10000", purpose="五星支部奖励"))  # fmt: skip
    refused = on_review(api, review, "FundsRecorded", "b2", kind="award", amount="10000",
                        purpose="奖励")  # fmt: skip
    assert refused.status_code == 409
    assert refused.get_json()["errors"][0]["rule"] == "five_star_branch"
    # An integrator does not inspect its own funds' use.
    own = on_review(api, review, "FundsInspected", "b1", "integrator_b1", compliant=True,
                    findings="自查")  # fmt: skip
    assert own.status_code == 403
    api.ok(on_review(api, review, "FundsInspected", "b2", "supervisor_district", occurred_on=D2,
                     compliant=False, findings="经费挪用"))  # fmt: skip
    catch_up(api)
    base = f"/api/v1/yearly-reviews/{review}/summary"
    body = api.get(base, "office").get_json()
    assert (body["assessed"], body["five_star"], body["six_haves"]) == (2, 1, 1)
    assert body["results"]["excellent"] == 1 and body["missing"]["books"] == 1
    assert body["funds"]["award"] == "10000" and body["management_expense_deductible"] == "3000.00"
    assert (body["inspected"], body["not_compliant"]) == (1, 1)
    per = {c["committee_id"]: c for c in body["committees"]}
    assert per[str(api.ids["c1"])]["five_star"] == 1 and per[str(api.ids["c2"])]["five_star"] == 0
    # On D1 the funds and the inspection had not happened.
    then = api.get(f"{base}?as_of={D1.isoformat()}", "office").get_json()
    assert then["funds"]["award"] == "0" and then["inspected"] == 0
    # A committee reads its part; the district's whole is the office's.
    part = api.get(f"{base}?committee_id={api.ids['c1']}", "committee_c1").get_json()
    assert part["assessed"] == 1
    assert api.get(base, "committee_c1").status_code == 403
    assert api.get(base, "office_other").status_code == 404


def test_the_summary_as_known_at_an_earlier_time(api: Api) -> None:
    review = open_review(api)
    api.ok(on_review(api, review, "VenueChecked", "b1", present=["site"]))
    catch_up(api)
    before = datetime.now(UTC)
    api.ok(on_review(api, review, "VenueChecked", "b1", present=list(
        ("site", "facilities", "sign", "flag", "books", "rules"))))  # fmt: skip
    catch_up(api)
    base = f"/api/v1/yearly-reviews/{review}/summary"
    assert api.get(base, "office").get_json()["six_haves"] == 1
    known = api.get(f"{base}?known_at={quote(before.isoformat())}", "office").get_json()
    assert known["six_haves"] == 0 and known["venues_checked"] == 1
    # A review's state and history, as every aggregate's.
    assert api.get(f"/api/v1/yearly-reviews/{review}", "office").status_code == 200
