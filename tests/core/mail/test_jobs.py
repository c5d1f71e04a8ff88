"""The background sending of the « Courriels » page: one at a time in a process, so a double
click on « Envoyer tout » starts one sending, not two racing for the same queue."""

from __future__ import annotations

import threading

from core.mail import jobs
from core.mail.sending import SendReport
from db.engine import unit_of_work
from db.models import Role
from tests.factories import make_user


def test_a_second_start_while_one_is_sending_returns_the_running_one(db, monkeypatch):
    lead = make_user(Role.PILOTE)
    release, calls = threading.Event(), []

    def slow_send(_factory, *, ids, progress, settings):
        calls.append(ids)
        release.wait(30)
        return SendReport()

    monkeypatch.setattr(jobs, "send_queued", slow_send)
    monkeypatch.setattr(jobs, "queue_due_messages", lambda session, now: None)
    first = jobs.start_sending(unit_of_work, actor=lead)
    second = jobs.start_sending(unit_of_work, actor=lead)
    assert second.id == first.id
    release.set()
    assert first.finished.wait(30)
    assert calls == [None]
    third = jobs.start_sending(unit_of_work, actor=lead)  # once it ended, a new click sends again
    assert third.id != first.id and third.finished.wait(30)
    assert calls == [None, None]
