"""Sending in the background for the « Courriels » page: the page's script run only starts
a thread running `send_queued` and then reads its progress, so a long batch never blocks
a run. The registry lives in the process and holds counts and texts only (no ORM object).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from core.clock import utcnow
from core.mail.due import queue_due_messages
from core.mail.sending import SendReport, SessionFactory, send_queued
from core.permissions import Action, Actor, require
from core.settings import MailSettings

log = logging.getLogger(__name__)
KEEP = 50  # finished jobs remembered (their summary is shown once)


@dataclass
class SendJob:
    id: str
    started_by: int | None
    started_at: datetime
    done: int = 0
    total: int = 0
    report: SendReport | None = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else (1.0 if self.finished.is_set() else 0.0)

    def summary(self) -> str:
        if self.error:
            return self.error
        return self.report.summary() if self.report else "Envoi en cours…"


_jobs: dict[str, SendJob] = {}
_lock = threading.Lock()


def start_sending(session_factory: SessionFactory, *, actor: Actor, ids: Collection[int] | None = None,
                  settings: MailSettings | None = None) -> SendJob:
    """Start sending in a thread (only the rows of `ids` when given); return its job at once.
    While a sending of this process runs, that one is returned and nothing starts: a double
    click sends once (another process's sending claims other rows, never the same)."""
    require(actor, Action.SEND_MAIL)
    with _lock:
        busy = next((j for j in _jobs.values() if not j.finished.is_set()), None)
        if busy is not None:
            return busy
        job = SendJob(id=secrets.token_hex(8), started_by=actor.user_id, started_at=utcnow())
        _jobs[job.id] = job
    ids = list(ids) if ids is not None else None

    def run() -> None:
        try:
            if ids is None:  # « everything »: what `manage.py send-mail` would send, reminders due included
                with session_factory() as session:
                    queue_due_messages(session, now=utcnow())
            job.report = send_queued(session_factory, ids=ids, progress=job.progress, settings=settings)
        except Exception:  # the page shows a French sentence; the log has the traceback
            log.exception("background sending failed")
            job.error = "L'envoi s'est arrêté sur une erreur inattendue ; les courriels non envoyés restent en file."
        finally:
            job.finished.set()

    with _lock:
        for old in [j for j in _jobs.values() if j.finished.is_set()][:-KEEP]:
            _jobs.pop(old.id, None)
    threading.Thread(target=run, name=f"send-mail-{job.id}", daemon=True).start()
    return job


def job(job_id: str | None) -> SendJob | None:
    with _lock:
        return _jobs.get(job_id) if job_id else None


def running() -> bool:
    """Whether a background sending of this process is still going (the page then waits)."""
    with _lock:
        return any(not j.finished.is_set() for j in _jobs.values())
