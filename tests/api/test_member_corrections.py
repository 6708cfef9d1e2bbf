"""Correcting and withdrawing a wrongly recorded step of a person's path, on both databases.

seed 001 §四5: "推行发展党员纪实制、公示制、票决制" -- the record keeps the step and what
amended it, linked; the path as amended keeps every rule of seed 002."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import TODAY, Api
from tests.api.members import VOTES, apply, dates, step, walk
from tests.api.test_views import catch_up

APPLIED = TODAY - timedelta(days=4 * 366)


def _event_of(api: Api, person: str, type_: str) -> str:
    history = api.get(f"/api/v1/candidates/{person}/history").get_json()["items"]
    return str([i for i in history if i["type"] == type_][-1]["event_id"])


def test_a_wrong_training_record_is_corrected_and_both_show_linked(api: Api) -> None:
    """seed 002 (7): "时间一般为5~7天(或不少于40学时)": a training recorded as 5 days that
    took 6 is corrected; the history and the steps view show the step and its correction."""
    person = walk(api, str(api.ids["b1"]), APPLIED, until="review")
    trained = _event_of(api, person, "TrainingCompleted")
    on = dates(APPLIED)["review"]
    answer = api.ok(
        step(
            api,
            person,
            "StepCorrected",
            on + timedelta(days=1),
            corrects=trained,
            reason="录入天数有误",
            changes={"days": 6},
        )
    )
    history = api.get(f"/api/v1/candidates/{person}/history").get_json()["items"]
    (correction,) = [i for i in history if i["type"] == "StepCorrected"]
    assert correction["corrects"] == trained and correction["event_id"] == answer["event_id"]
    catch_up(api)
    body = api.get(f"/api/v1/candidates/{person}/steps").get_json()
    (item,) = [i for i in body["items"] if i["event_id"] == trained]
    assert item["data"]["days"] == 5 and item["as_corrected"]["days"] == 6
    assert item["corrected_by"] == [answer["event_id"]] and item["counts"]
    # On the step's own day the correction had not been made: the step stood as recorded.
    then = api.get(f"/api/v1/candidates/{person}/steps?as_of={on.isoformat()}").get_json()
    (item,) = [i for i in then["items"] if i["event_id"] == trained]
    assert item["corrected_by"] == [] and item["as_corrected"] is None


def test_a_correction_that_breaks_a_rule_is_refused_naming_it(api: Api) -> None:
    """seed 002 (5): "入党积极分子经过一年以上培养教育后…可列为发展对象": moving the activist's
    date later than a year before the development candidate's is refused, nothing stored."""
    person = walk(api, str(api.ids["b1"]), APPLIED, until="candidate")
    designated = _event_of(api, person, "ActivistDesignated")
    later = dates(APPLIED)["activist"] + timedelta(days=1)
    refused = step(
        api,
        person,
        "StepCorrected",
        TODAY,
        corrects=designated,
        reason="日期有误",
        changes={"occurred_on": later.isoformat()},
    )
    assert refused.status_code in (409, 422)
    (error,) = refused.get_json()["errors"]
    assert error["rule"] == "candidate_after_a_year" and "一年以上" in error["message"]
    history = api.get(f"/api/v1/candidates/{person}/history").get_json()["items"]
    assert not [i for i in history if i["type"] == "StepCorrected"]


def test_a_withdrawn_step_no_longer_counts_and_the_pipeline_says_so(api: Api) -> None:
    """seed 002 (2)-(5): a development candidate recorded in error is withdrawn; the person
    is an activist again from the withdrawal's date, and before it still a candidate."""
    b1, c1 = str(api.ids["b1"]), str(api.ids["c1"])
    person = walk(api, b1, APPLIED, until="candidate")
    designated = _event_of(api, person, "DevelopmentCandidateDesignated")
    withdrawn_on = TODAY - timedelta(days=3)
    api.ok(step(api, person, "StepWithdrawn", withdrawn_on, withdraws=designated, reason="误录"))
    assert api.get(f"/api/v1/candidates/{person}").get_json()["stage"] == "activist"
    catch_up(api)
    path = f"/api/v1/committees/{c1}/member-pipeline"
    (now,) = api.get(path, "committee_c1").get_json()["people"]
    assert now["stage"] == "activist"
    before = (withdrawn_on - timedelta(days=1)).isoformat()
    (then,) = api.get(f"{path}?as_of={before}", "committee_c1").get_json()["people"]
    assert then["stage"] == "development_candidate"
    items = api.get(f"/api/v1/candidates/{person}/steps").get_json()["items"]
    (item,) = [i for i in items if i["event_id"] == designated]
    assert not item["counts"] and len(item["withdrawn_by"]) == 1


def test_only_who_records_a_step_amends_it_and_bad_changes_are_named(api: Api) -> None:
    """seed 002 (13): the committee approves; the branch's side may not withdraw the
    approval. A change of a value the step does not have is refused by field and rule."""
    person = walk(api, str(api.ids["b1"]), APPLIED, until="approved")
    approval = _event_of(api, person, "AdmissionApproved")
    refused = step(api, person, "StepWithdrawn", TODAY, withdraws=approval, reason="r")
    assert refused.status_code == 403
    assert refused.get_json()["errors"][0]["field"] == "data.withdraws"
    vote = _event_of(api, person, "AdmissionVoted")
    bad = step(
        api, person, "StepCorrected", TODAY, corrects=vote, reason="r", changes={"carried": False}
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["rule"] == "correctable"
    wrong_kind = step(
        api,
        person,
        "StepCorrected",
        TODAY,
        corrects=vote,
        reason="r",
        changes={"votes": {"in_favour": "7"}},
    )
    assert wrong_kind.status_code == 422
    assert wrong_kind.get_json()["errors"][0]["field"] == "data.changes.votes"
    # A recount that no longer carries the vote would change what later steps were.
    recount = {**VOTES, "in_favour": 3, "against": 5}
    later = step(
        api, person, "StepCorrected", TODAY, corrects=vote, reason="r", changes={"votes": recount}
    )
    assert later.status_code in (409, 422)
    unknown = step(
        api, person, "StepWithdrawn", TODAY, withdraws=apply(api, str(api.ids["b1"]), TODAY),
        reason="r",
    )  # fmt: skip
    assert unknown.status_code == 404
