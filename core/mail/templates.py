"""The messages' texts: French defaults, the lead's stored versions, sandboxed Jinja2 rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import MailTemplate


@dataclass(frozen=True)
class DefaultTemplate:
    label: str
    subject: str
    body: str


SIGNATURE = "\n\n-- \nL'équipe OpenMap — Mission clauses sociales Île-de-France\n"

DEFAULT_TEMPLATES: dict[str, DefaultTemplate] = {
    "invitation": DefaultTemplate(
        label="Invitation à créer un compte",
        subject="Votre accès à OpenMap candidatures",
        body=(
            "Bonjour {{ full_name }},\n\n"
            "{{ inviter }} vous invite à rejoindre OpenMap candidatures en tant que {{ role }}"
            "{% if network %} pour le réseau {{ network }}{% endif %}.\n\n"
            "Pour choisir votre mot de passe, ouvrez ce lien (valable jusqu'au {{ expires }}, "
            "utilisable une seule fois) :\n{{ link }}\n\n"
            "Si vous n'attendiez pas cette invitation, ignorez ce message." + SIGNATURE
        ),
    ),
    "password_reset": DefaultTemplate(
        label="Réinitialisation du mot de passe",
        subject="Réinitialisation de votre mot de passe OpenMap",
        body=(
            "Bonjour {{ full_name }},\n\n"
            "Une réinitialisation du mot de passe de votre compte OpenMap candidatures a été demandée.\n"
            "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable jusqu'au {{ expires }}, "
            "utilisable une seule fois) :\n{{ link }}\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
            "votre mot de passe actuel reste valable." + SIGNATURE
        ),
    ),
    "submission_ack": DefaultTemplate(
        label="Accusé de réception d'une candidature",
        subject="Candidature reçue : {{ structure }} — {{ theme }}",
        body=(
            "Bonjour,\n\n"
            "La candidature de {{ structure }} (SIRET {{ siret }}) proposée par {{ network }} "
            "pour l'appel « {{ theme }} » ({{ edition }}) a bien été déposée le {{ submitted_at }} "
            "par {{ referent }}.\n\n"
            "Vous pouvez la modifier ou la retirer jusqu'à la clôture de l'appel, le {{ closes_at }}. "
            "Les décisions vous seront communiquées après l'examen des candidatures." + SIGNATURE
        ),
    ),
    # Minimal text until the notifications' catalogue brings the real one (same key, same placeholders).
    "confirmation_reminder": DefaultTemplate(
        label="Rappel : confirmer la présentation",
        subject="Rappel : confirmez la présentation de {{ structure }} — {{ theme }}",
        body=(
            "Bonjour,\n\n"
            "{{ structure }} est retenue pour une présentation express à l'appel « {{ theme }} » "
            "({{ edition }}, le {{ event_date }}), et nous n'avons pas encore sa réponse.\n\n"
            "Merci de confirmer ou de décliner avant le {{ confirm_by }} par ce lien personnel :\n"
            "{{ confirm_link }}" + SIGNATURE
        ),
    ),
}

_SUBJECT_END = "\x1e"
_jinja = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def renderer(session: Session, template_key: str) -> Callable[[dict], tuple[str, str]]:
    """A function context → (subject, body) from the stored template, or the default one.

    The templates are compiled once, so rendering many messages (an import) stays cheap.
    A placeholder missing from a context raises jinja2.UndefinedError: a mail with a
    hole in it is never queued.
    """
    stored = session.scalar(select(MailTemplate).where(MailTemplate.key == template_key))
    source = stored or DEFAULT_TEMPLATES[template_key]
    # Subject and body rendered in one pass (half the per-message cost of Jinja's context).
    # The separator is a control character, which validated user text never holds.
    both = _jinja.from_string(source.subject + _SUBJECT_END + source.body)

    def render_one(context: dict) -> tuple[str, str]:
        subject, body = both.render(context).split(_SUBJECT_END, 1)
        return subject.strip(), body

    return render_one


def render(session: Session, template_key: str, context: dict) -> tuple[str, str]:
    """(subject, body) of one message; see `renderer`."""
    return renderer(session, template_key)(context)
