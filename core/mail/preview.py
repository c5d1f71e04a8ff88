"""The editor's live preview: a text not saved yet, rendered on a real candidacy of the
edition (as its message would say it) or on the message's sample. No side effect: no
link is issued, nothing is queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import format_date, format_datetime, utcnow
from core.mail.catalogue import CATALOGUE
from core.mail.editing import cheap_to_render, template_errors
from core.mail.rendering import Rendered, compile_text
from core.permissions import Action, Actor, require
from core.selection.notifications import preview_context
from core.settings import settings
from db.models import Call, Candidacy, Deliberation, Edition, Submission, User

# Empty is what these say for real (no comment shared, no time slot yet): never filled from the sample.
_EMPTY_IS_MEANINGFUL = frozenset({"shared_comments", "time_slot"})
OUTCOME_LABELS = {Deliberation.SELECTED: "retenue", Deliberation.WAITLISTED: "liste d'attente",
                  Deliberation.NOT_SELECTED: "non retenue", Deliberation.PENDING: "sans décision"}


@dataclass(frozen=True)
class PreviewCandidacy:
    id: int
    label: str


@dataclass(frozen=True)
class MessagePreview:
    rendered: Rendered | None  # None when the text cannot be rendered (see errors)
    errors: dict[str, str]  # what saving would refuse, per field
    on: str  # what the preview is rendered on, in French


def preview_candidacies(session: Session, *, actor: Actor, edition_id: int | None,
                        limit: int = 300) -> list[PreviewCandidacy]:
    """Submitted candidacies to preview on (of the edition; None: of every edition), the
    decided ones first, in one query."""
    require(actor, Action.MANAGE_CALLS)
    query = (select(Candidacy.id, Candidacy.name, Candidacy.deliberation, Candidacy.waitlist_rank, Call.theme_title,
                    Edition.number)
             .join(Call, Call.id == Candidacy.call_id).join(Edition, Edition.id == Call.edition_id)
             .where(Candidacy.submission == Submission.SUBMITTED)
             .order_by(Edition.number.desc(), (Candidacy.deliberation == Deliberation.PENDING), Candidacy.name)
             .limit(limit))
    if edition_id is not None:
        query = query.where(Call.edition_id == edition_id)
    return [PreviewCandidacy(i, f"{name or 'Sans nom'} — {OUTCOME_LABELS[d]}{f' ({rank})' if rank else ''} — "
                                f"{theme} (n° {number})")
            for i, name, d, rank, theme, number in session.execute(query)]


def preview_message(session: Session, *, actor: Actor, key: str, subject: str, body: str,
                    candidacy_id: int | None = None, now: datetime | None = None) -> MessagePreview:
    """The message `key` with this subject and text, on the candidacy (None: the sample)."""
    require(actor, Action.MANAGE_CALLS)
    default = CATALOGUE[key]
    context, on = dict(default.sample), "l'exemple du modèle (valeurs fictives)"
    if default.about_candidacy and candidacy_id is not None and session.get(Candidacy, candidacy_id) is not None:
        real = candidacy_values(session, candidacy_id, now=now or utcnow())
        for name in default.placeholders:
            value = real.get(name)
            if name in real and (value not in ("", None, []) or name in _EMPTY_IS_MEANINGFUL):
                context[name] = value
        on = f"la candidature de {real['structure'] or 'Sans nom'} (lien de confirmation fictif)"
    errors = template_errors(key, subject, body)
    if not cheap_to_render(key, subject, body):  # it could take gigabytes or hours
        return MessagePreview(None, errors, on)
    try:
        rendered = compile_text(subject, body)(context)
    except Exception:  # noqa: BLE001 — any refusal is in `errors`; the preview just shows none
        rendered = None
    return MessagePreview(rendered, errors, on)


def candidacy_values(session: Session, candidacy_id: int, *, now: datetime) -> dict:
    """What the messages about this candidacy would say, for every placeholder that is about it."""
    base_url = settings().base_url
    values = preview_context(session, candidacy_id, base_url=base_url, now=now)
    candidacy = session.get(Candidacy, candidacy_id)
    call = session.get(Call, candidacy.call_id)
    referent = session.get(User, candidacy.created_by_id) if candidacy.created_by_id else None
    values.update({
        "siret": candidacy.structure.siret,
        "submitted_at": format_datetime(candidacy.submitted_at) if candidacy.submitted_at else "",
        "referent": referent.full_name if referent else "", "closes_at": format_datetime(call.closes_at),
        "description": call.theme_description or "", "link": base_url,
        "event_date": format_date(call.edition.event_date),
    })
    return values
