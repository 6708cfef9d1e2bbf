"""The worker outlives what it cannot store and a database that comes and goes (issue #3)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date

import psycopg
import pytest

from taizhang.commands.projections import projection_status
from taizhang.projections import digest
from taizhang.projections import worker as worker_module
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.store import Database
from taizhang.projections.worker import Worker, start_in_background
from tests.projections.scenario import make_district, story


def _write_error(settings):
    if settings.is_postgres:
        return psycopg.DataError("invalid byte sequence for encoding UTF8")
    return sqlite3.DataError("string or blob too big")


def _dead_letters(settings):
    db = Database(settings)
    conn = db.connect()
    try:
        return db.fetchall(
            conn, "SELECT projection, position, error FROM dead_letters ORDER BY projection"
        )
    finally:
        conn.close()


def _progress(settings, d, branch):
    views = Views(settings)
    try:
        return views.branch_progress(d.campaign, d.branches[branch], as_of=date(2014, 6, 15))
    finally:
        views.close()


def test_an_event_whose_rows_cannot_be_written_is_a_dead_letter_and_the_rest_is_projected(
    settings, monkeypatch
):
    d = make_district(settings)
    story(d)
    recorder = d.service.ledger.recorder
    everything = recorder.select_notifications(0, 100_000)
    bad = next(n.id for n in everything if n.topic.endswith("StudySessionHeld"))
    assert 1 < bad < everything[-1].id, "the bad event is to sit inside the batch"

    worker = Worker(settings)  # one batch holds the whole log
    folded: set[int] = set()
    fold = worker_module.fold_progress
    write = worker.db.write
    attempts = []

    def remembering_fold(state, notification, decode):
        folded.add(notification.id)
        return fold(state, notification, decode)

    def failing_write(conn, state, changes):
        holds_bad = bad in folded
        folded.clear()
        attempts.append(holds_bad)
        if holds_bad:  # as PostgreSQL refusing one of the event's rows
            raise _write_error(settings)
        return write(conn, state, changes)

    monkeypatch.setattr(worker_module, "fold_progress", remembering_fold)
    monkeypatch.setattr(worker.db, "write", failing_write)
    try:
        worker.catch_up()
        assert attempts[0] is True and attempts.count(True) == 2  # the batch, then the event alone
        letters = _dead_letters(settings)
        assert [(name, position) for name, position, _ in letters] == [
            ("progress", bad),
            ("timeline", bad),
        ]
        assert all("DataError" in error for _, _, error in letters)
        status = projection_status(settings)
        assert status["progress"]["lag"] == 0 and status["timeline"]["lag"] == 0

        # Everything but the study session was projected: a's progress equals a clean
        # rebuild's except for what that one session counts (checked below).
        faulty = _progress(settings, d, "a")
        # The worker still follows the log after the failure.
        before = _progress(settings, d, "b")["study_days"]
        d.work(
            "StudySessionHeld", "b", date(2014, 6, 2), topic="t", days=1, hours=4, participants=3
        )
        worker.catch_up()
        assert projection_status(settings)["progress"]["lag"] == 0
        assert len(_dead_letters(settings)) == 2
        assert _progress(settings, d, "b")["study_days"] > before
    finally:
        worker.close()
    monkeypatch.undo()
    rebuild(settings)
    clean = _progress(settings, d, "a")
    differing = {key for key in clean if clean[key] != faulty[key]}
    # The phase that needs the study session is not yet complete without it.
    assert "study_days" in differing and differing <= {"study_days", "phases"}, differing


def test_after_connection_failures_the_worker_recovers_and_equals_a_clean_rebuild(
    settings, monkeypatch
):
    d = make_district(settings)
    story(d)
    head = d.service.ledger.recorder.max_notification_id()
    monkeypatch.setattr(worker_module, "BACKOFF_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(worker_module, "BACKOFF_MAX_SECONDS", 0.1)
    failures = {"left": 5, "seen": 0}
    lock = threading.Lock()
    connect = Database.connect

    def flaky_connect(self, *args, **kwargs):
        with lock:
            if failures["left"] > 0:
                failures["left"] -= 1
                failures["seen"] += 1
                if self.is_postgres:
                    raise psycopg.OperationalError("FATAL: sorry, too many clients already")
                raise sqlite3.OperationalError("unable to open database file")
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(Database, "connect", flaky_connect)
    background = start_in_background(settings)
    try:
        deadline = time.monotonic() + 30
        while failures["left"] and time.monotonic() < deadline:  # Views connect too
            time.sleep(0.01)
        views = Views(settings)
        try:
            assert views.wait_for(head, timeout=30)
        finally:
            views.close()
        assert failures["seen"] == 5 and background.thread.is_alive()
        d.work(
            "StudySessionHeld", "b", date(2014, 6, 2), topic="t", days=1, hours=4, participants=3
        )
        views = Views(settings)
        try:
            assert views.wait_for(head + 1, timeout=30)  # still following after recovering
        finally:
            views.close()
    finally:
        background.stop()
    monkeypatch.undo()
    assert _dead_letters(settings) == []
    live = digest(settings)
    rebuild(settings)
    assert live == digest(settings)


def test_a_write_that_fails_for_every_event_sends_nothing_to_dead_letters(settings, monkeypatch):
    # A missing table or a bug fails every event alike: isolating would dead-letter the
    # whole log. The worker stops making progress instead (run() retries with back-off).
    d = make_district(settings)
    story(d)
    worker = Worker(settings)
    error = psycopg.ProgrammingError if settings.is_postgres else sqlite3.ProgrammingError

    def broken_write(conn, state, changes):
        raise error("relation branch_progress does not exist")

    monkeypatch.setattr(worker.db, "write", broken_write)
    try:
        with pytest.raises(error):
            worker.catch_up()
        assert _dead_letters(settings) == []
        assert projection_status(settings)["progress"]["lag"] > 0
        monkeypatch.undo()
        worker.catch_up()  # the same worker resumes from the saved position
    finally:
        worker.close()
    assert projection_status(settings)["progress"]["lag"] == 0
    live = digest(settings)
    rebuild(settings)
    assert live == digest(settings)
