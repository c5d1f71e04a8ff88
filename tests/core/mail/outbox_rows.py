"""Outbox rows for the sending tests, and the mail settings that point at a test server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.clock import utcnow
from core.settings import MailSettings
from db.engine import read_only, unit_of_work
from db.models import MailStatus, OutboxMessage

SENDER = "OpenMap candidatures <openmap@openmap.exemple.fr>"


def smtp_settings(port: int, **changes) -> MailSettings:
    values = dict(transport="smtp", mail_dir=Path("/nonexistent"), smtp_host="127.0.0.1", smtp_port=port,
                  smtp_security="none", smtp_user="", smtp_password="", mail_from=SENDER,
                  reply_to="Équipe OpenMap <contact@mission-clauses.fr>", smtp_timeout=5.0)
    values.update(changes)
    return MailSettings(**values)


def file_settings(directory: Path) -> MailSettings:
    return MailSettings(transport="file", mail_dir=directory, smtp_host="", smtp_port=25, smtp_security="none",
                        smtp_user="", smtp_password="", mail_from=SENDER, reply_to="")


def add_messages(count: int, *, to: str = "structure{n}@inclusion-idf.fr", status=MailStatus.QUEUED,
                 **fields) -> list[int]:
    """`count` rows (to addresses numbered from 0); return their ids in order."""
    with unit_of_work() as session:
        rows = [OutboxMessage(idempotency_key=f"test-{n}-{fields.get('template_key', 'x')}",
                              template_key=fields.get("template_key", "invitation"),
                              to_address=to.format(n=n), subject=fields.get("subject", f"Message n° {n}"),
                              body_text=fields.get("body_text", f"Bonjour,\nvoici le message n° {n}.\n"),
                              body_html=fields.get("body_html"), cc_addresses=fields.get("cc_addresses"),
                              personal_link=fields.get("personal_link"), status=status, created_at=utcnow())
                for n in range(count)]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def rows(ids=None) -> list[OutboxMessage]:
    with read_only() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        return list(session.scalars(query))


def row(message_id: int) -> OutboxMessage:
    return rows([message_id])[0]
