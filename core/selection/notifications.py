"""The outbox rows that tell each structure its outcome: one per candidacy and outcome.

Each row's idempotency key is (call, candidacy, decision_version): publishing twice, a
double click or a retry after a crash finds the key queued and adds nothing; a revision
changes the outcome (decision_version + 1), so its corrected message has a key of its
own. The structure's contact is the recipient, its network in copy. Sending belongs to
the notifications issue; the default templates below are its starting point (a stored
MailTemplate of the same key replaces one), to be moved beside the mail module's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased

from core.clock import format_date
from db.bulk import execute_many
from db.models import (
    Call,
    Candidacy,
    Deliberation,
    Edition,
    MailStatus,
    MailTemplate,
    Network,
    OutboxMessage,
    User,
)

SIGNATURE = "\n\n-- \nL'équipe OpenMap — Mission clauses sociales Île-de-France\n"
_CORRECTION = ("{% if revised %}La décision au sujet de cette candidature a changé depuis notre précédent "
               "message.\n\n{% endif %}")
_INTRO = ("Bonjour,\n\n" + _CORRECTION + "La candidature de {{ structure }}, proposée par {{ network }} pour l'appel "
          "« {{ theme }} » ({{ edition }}, le {{ event_date }}), ")


@dataclass(frozen=True)
class DecisionTemplate:
    label: str
    subject: str
    body: str


TEMPLATES: dict[Deliberation, tuple[str, DecisionTemplate]] = {
    Deliberation.SELECTED: ("decision_selected", DecisionTemplate(
        label="Décision : candidature retenue",
        subject="{% if revised %}Mise à jour : {% endif %}Candidature retenue : {{ structure }} — {{ theme }}",
        body=_INTRO + "est retenue pour une présentation express.\n\n"
        "Vous recevrez le déroulé de la matinée et un lien pour confirmer votre présentation." + SIGNATURE,
    )),
    Deliberation.WAITLISTED: ("decision_waitlisted", DecisionTemplate(
        label="Décision : liste d'attente",
        subject="{% if revised %}Mise à jour : {% endif %}Liste d'attente : {{ structure }} — {{ theme }}",
        body=_INTRO + "est inscrite sur la liste d'attente, au rang {{ rank }}.\n\n"
        "Nous vous écrirons si une place de présentation se libère." + SIGNATURE,
    )),
    Deliberation.NOT_SELECTED: ("decision_not_selected", DecisionTemplate(
        label="Décision : candidature non retenue",
        subject="{% if revised %}Mise à jour : {% endif %}Candidature non retenue : {{ structure }} — {{ theme }}",
        body=_INTRO + "n'a pas été retenue pour les présentations express de cette rencontre.\n\n"
        "Merci de votre intérêt ; les rendez-vous avec les acheteurs restent ouverts à votre structure." + SIGNATURE,
    )),
}

_SUBJECT_END = "\x1e"
_jinja = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_CHUNK = 500


def notification_key(call_id: int, candidacy_id: int, decision_version: int) -> str:
    return f"decision:{call_id}:{candidacy_id}:{decision_version}"


def queue(session: Session, *, call_id: int, candidacy_ids: Collection[int], revised: bool,
          now: datetime) -> int:
    """Queue the outcome message of each candidacy (decided ones only) whose key is not
    queued yet, in a constant number of statements; return how many were queued."""
    creator = aliased(User)
    edition = session.execute(select(Call.theme_title, Edition.title, Edition.event_date)
                              .join(Edition, Edition.id == Call.edition_id).where(Call.id == call_id)).one()
    rows, ids = [], list(candidacy_ids)
    for start in range(0, len(ids), _CHUNK):
        rows += session.execute(
            select(Candidacy.id, Candidacy.name, Candidacy.contact_email, Candidacy.deliberation,
                   Candidacy.waitlist_rank, Candidacy.decision_version, Network.name, Network.contact_email,
                   creator.email)
            .join(Network, Network.id == Candidacy.network_id).outerjoin(creator, creator.id == Candidacy.created_by_id)
            .where(Candidacy.id.in_(ids[start:start + _CHUNK]), Candidacy.deliberation != Deliberation.PENDING)
        ).all()
    keys = {row[0]: notification_key(call_id, row[0], row[5]) for row in rows}
    queued = _queued(session, list(keys.values()))
    renderers = {}
    messages = []
    for (candidacy_id, name, contact, deliberation, rank, _, network, network_email, creator_email) in rows:
        if keys[candidacy_id] in queued:
            continue
        template_key, _template = TEMPLATES[deliberation]
        if template_key not in renderers:
            renderers[template_key] = _renderer(session, deliberation)
        subject, body = renderers[template_key]({
            "structure": name or "", "network": network, "theme": edition[0], "edition": edition[1],
            "event_date": format_date(edition[2]), "rank": rank, "revised": revised,
        })
        copy = network_email or creator_email
        to_address = contact or copy or ""
        messages.append({
            "idempotency_key": keys[candidacy_id], "template_key": template_key, "to_address": to_address,
            "cc_addresses": copy if copy and copy != to_address else None, "subject": subject, "body_text": body,
            "status": MailStatus.QUEUED, "attempts": 0, "candidacy_id": candidacy_id, "created_at": now,
        })
    execute_many(session, insert(OutboxMessage.__table__), messages)
    return len(messages)


def _queued(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        found.update(session.scalars(select(OutboxMessage.idempotency_key)
                                     .where(OutboxMessage.idempotency_key.in_(keys[start:start + _CHUNK]))))
    return found


def _renderer(session: Session, deliberation: Deliberation):
    key, default = TEMPLATES[deliberation]
    source = session.scalar(select(MailTemplate).where(MailTemplate.key == key)) or default
    both = _jinja.from_string(source.subject + _SUBJECT_END + source.body)

    def render(context: dict) -> tuple[str, str]:
        subject, body = both.render(context).split(_SUBJECT_END, 1)
        return subject.strip(), body

    return render
