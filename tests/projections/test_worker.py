"""The worker's guarantees on SQLite and PostgreSQL: dead letters, one writer, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from taizhang.commands.projections import projection_status
from taizhang.demo import generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections import digest
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.store import Database
from taizhang.projections.worker import Worker, start_in_background
from tests.projections.scenario import MIGRATION, make_district, story

ROOT = Path(__file__).resolve().parents[2]


def test_a_poison_event_lands_in_dead_letters_and_the_worker_goes_on(settings):
    d = make_district(settings)
    d.service.ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=uuid4(),
                originator_version=1,
                topic="taizhang.domain.branch_work:BranchWork.StudySessionHeld",
                state=b"{not json",
            )
        ]
    )
    story(d)
    worker = Worker(settings)
    worker.catch_up()
    status = projection_status(settings)
    assert status["progress"]["dead_letters"] == 1 and status["timeline"]["dead_letters"] == 1
    assert status["progress"]["lag"] == 0
    views = Views(settings)
    try:
        a = views.branch_progress(d.campaign, d.branches["a"], as_of=date(2014, 6, 15))
        assert a["meetings"] == 2  # events after the poison were folded
    finally:
        views.close()
        worker.close()
    db = Database(settings)
    conn = db.connect()
    (row,) = db.fetchall(
        conn, "SELECT event_type, error FROM dead_letters WHERE projection = ?", ("progress",)
    )
    conn.close()
    assert row[0] == "taizhang.domain.branch_work:BranchWork.StudySessionHeld"
    assert row[1]  # the decoder's complaint, for whoever repairs the event


def test_a_worker_behind_another_never_counts_twice(settings):
    d = make_district(settings)
    story(d)
    first, second = Worker(settings, batch_size=10), Worker(settings, batch_size=10)
    second.load()  # loaded at position 0, then the first one writes everything
    first.catch_up()
    assert second.catch_up() == 0  # its stale batch is refused; it reloads and finds nothing
    assert digest(settings) == _rebuilt(settings)


def test_two_background_workers_share_the_work_without_double_counting(settings):
    d = make_district(settings)
    one, two = start_in_background(settings), start_in_background(settings)
    try:
        story(d)
        views = Views(settings)
        head = d.service.ledger.recorder.max_notification_id()
        assert views.wait_for(head, timeout=20)
        a = views.branch_progress(d.campaign, d.branches["a"], as_of=date(2014, 6, 15))
        assert (a["meetings"], a["commitments_made"], a["problems_listed"]) == (2, 2, 2)
        views.close()
    finally:
        one.stop()
        two.stop()
    live = digest(settings)
    assert live == _rebuilt(settings)


def _rebuilt(settings):
    rebuild(settings)
    return digest(settings)


def test_views_after_a_crash_mid_batch_equal_a_clean_rebuild(settings):
    upgrade(settings, MIGRATION)
    ledger = Ledger(settings)
    generate(ledger, branches=60, progress=False)
    head = ledger.recorder.max_notification_id()
    env = {**os.environ, "TAIZHANG_DATABASE_URL": settings.database_url}
    code = (
        "import sys; from taizhang.config import Settings;"
        " from taizhang.projections.worker import Worker;"
        "Worker(Settings.from_env(), batch_size=int(sys.argv[1])).catch_up()"
    )
    child = subprocess.Popen([sys.executable, "-c", code, "7"], cwd=ROOT, env=env)
    db = Database(settings)
    conn = db.connect(autocommit=True) if settings.is_postgres else db.connect()
    try:
        deadline = time.monotonic() + 60
        while db.positions(conn)["progress"][0] == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed_at = db.positions(conn)["progress"][0]
    finally:
        conn.close()
    assert 0 < killed_at < head, "the worker was to be killed in the middle of catching up"
    Worker(settings).catch_up()
    assert projection_status(settings)["progress"]["lag"] == 0
    resumed = digest(settings)
    assert resumed == _rebuilt(settings)
