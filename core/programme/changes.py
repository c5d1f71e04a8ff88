"""The programme change message: to each presenter whose time moved in a new version, once.

Keyed by (edition, candidacy, version number): publishing again queues for the next
version only the pitches that moved again, and a retry of the same publication nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import mail
from core.clock import format_date, format_time, to_paris
from db.models import Call, Candidacy, Edition, Network, ProgrammeVersion

TEMPLATE = "programme_change"


def queue_programme_changes(session: Session, *, version_id: int, changes: list) -> int:
    """Queue the message for each of `changes` (publishing.TimeChange: the pitches of the
    version whose start moved); how many were queued."""
    if not changes:
        return 0
    version = session.get(ProgrammeVersion, version_id)
    edition = session.get(Edition, version.edition_id)
    rows = session.execute(
        select(Candidacy.id, Candidacy.name, Candidacy.contact_email, Candidacy.call_id, Network.contact_email)
        .join(Network, Network.id == Candidacy.network_id).join(Call, Call.id == Candidacy.call_id)
        .where(Candidacy.id.in_([change.candidacy_id for change in changes]))).all()
    found = {row[0]: row for row in rows}
    queued = 0
    for change in changes:
        candidacy_id, name, contact, call_id, network_email = found[change.candidacy_id]
        to_address = contact or network_email
        if not to_address:
            continue
        mail.queue(session, idempotency_key=f"{TEMPLATE}:{edition.id}:{candidacy_id}:{version.number}",
                   template_key=TEMPLATE, to_address=to_address, candidacy_id=candidacy_id, call_id=call_id,
                   network_copy=[network_email] if network_email and network_email != to_address else None,
                   context={"structure": name or "", "edition": edition.title,
                            "event_date": format_date(edition.event_date),
                            "old_time": format_time(to_paris(change.old_start)),
                            "new_time": format_time(to_paris(change.new_start))})
        queued += 1
    return queued
