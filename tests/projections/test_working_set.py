"""The live projection worker's memory is bounded by its configuration, not by the data.

Issue 24: "the projector's memory is bounded by its configuration, not by the data: rows are
read from the view tables when needed". The worker keeps at most
``TAIZHANG_PROJECTOR_WORKING_SET`` rows and index entries from one batch to the next
(``ViewState.trim``); what it does not hold it reads back when a fold needs it. Counted in
entries, not bytes or seconds: the bound is the setting's, whatever the log holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from taizhang.projections import digest
from taizhang.projections.rebuild import rebuild
from taizhang.projections.store import Database
from taizhang.projections.worker import Worker
from taizhang.service import Posting
from tests.projections.scenario import CALLER, District, make_district

BOUND = 40
ROUNDS = 3
NEW_BRANCHES = 6


def _grow(d: District, round_: int) -> None:
    """More branches enrolled, and for each of them facts and a problem worked on."""
    new = [
        d.branch(f"r{round_}b{n}", d.town if n % 2 else d.sector, "non_public_enterprise")
        for n in range(NEW_BRANCHES)
    ]
    d.post("BranchesEnrolled", date(2014, 4, 1), campaign_id=d.campaign, branch_ids=new)
    postings = []
    for n, branch in enumerate(new):
        work = {"campaign_id": d.campaign, "branch_id": branch}
        for k in range(8):
            on = date(2014, 4, 3) + timedelta(days=k * 3 + n)
            postings.append(Posting("OptionalActionRecorded", on, {**work, "title": f"动作 {k}"}))
            postings.append(Posting("HeartToHeartTalksHeld", on, {**work, "talks": 2}))
    d.service.post_batch(CALLER, postings)
    for n, branch in enumerate(new):
        problem = d.post(
            "ProblemListed",
            date(2014, 5, 1) + timedelta(days=n),
            campaign_id=d.campaign,
            branch_id=branch,
            category="four_winds",
            description="会议多",
            measures="精简",
            responsible_person=f"P0002{round_}{n}",
            deadline=date(2014, 6, 30),
        ).aggregate_id
        d.post("RectificationStarted", date(2014, 5, 20), problem_id=problem)


def test_the_worker_holds_no_more_than_its_working_set_however_the_data_grows(settings):
    d = make_district(settings)
    worker = Worker(replace(settings, projector_working_set=BOUND), batch_size=50)
    db = Database(settings)
    held: list[int] = []
    whole: list[int] = []
    try:
        for round_ in range(ROUNDS):
            _grow(d, round_)
            worker.catch_up()
            assert worker.state is not None
            held.append(worker.state.held())
            assert worker.state.joint_guests == {}  # no joint meetings posted
            # What the tables hold: every row and index entry, as a replay's state has them.
            conn = db.connect()
            try:
                whole.append(db.load(conn).held())
            finally:
                conn.close()
    finally:
        worker.close()
    assert all(0 < n <= BOUND for n in held), held
    assert whole[0] < whole[1] < whole[2] and whole[0] > BOUND, whole
    # What the bounded worker wrote is what a replay of the whole log makes.
    live = digest(settings)
    rebuild(settings)
    assert digest(settings) == live
