from datetime import date
from decimal import Decimal
from uuid import uuid4

from taizhang.domain.phases import EIGHT_ONES
from taizhang.domain.records import aggregate_kind, event_record, event_type, to_plain
from taizhang.domain.vocabulary import OpinionSource
from tests.unit.factories import eight_ones_campaign, prov, work


def test_to_plain_makes_json_ready_values():
    ident = uuid4()
    assert to_plain(
        {
            "id": ident,
            "on": date(2014, 5, 1),
            "hours": Decimal("3.50"),
            "sources": [OpinionSource.MEMBERS],
            "ids": {ident},
            "nested": ({"k": 1},),
        }
    ) == {
        "id": str(ident),
        "on": "2014-05-01",
        "hours": "3.50",
        "sources": ["members"],
        "ids": [str(ident)],
        "nested": [{"k": 1}],
    }
    plain = to_plain(EIGHT_ONES.phases[1])
    assert plain["key"] == "activity_plan" and plain["done_when"] == ["plan_approved"]
    assert plain["deadline"] is None


def test_event_record_carries_provenance_and_data_without_stamps():
    w = work()
    p = prov(date(2014, 5, 2), client_event_id="oa-9")
    w.collect_opinions(p, count=3, sources=["members"], summary="三条")
    event = w.pending_events[-1]
    record = event_record(event)
    assert record["event_id"] == str(p.event_id)
    assert (record["type"], record["aggregate_kind"]) == ("OpinionsCollected", "BranchWork")
    assert record["aggregate_id"] == str(w.id) and record["version"] == 2
    assert record["occurred_on"] == "2014-05-02"
    assert record["recorded_at"] == event.timestamp.isoformat()
    assert (record["actor"], record["source"], record["client_event_id"]) == (
        p.actor,
        p.source,
        "oa-9",
    )
    assert record["data"] == {"count": 3, "sources": ["members"], "summary": "三条"}


def test_event_names_are_the_posted_names():
    campaign = eight_ones_campaign()
    [defined] = campaign.collect_events()
    # A bare "Defined" says nothing: the aggregate's name goes in front.
    assert (event_type(defined), aggregate_kind(defined)) == ("CampaignDefined", "Campaign")
    assert event_record(defined)["data"]["phases"][0]["key"] == "baseline_survey"
