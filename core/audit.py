"""The audit log: every change users make leaves a row saying who, when, what, from where."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.clock import PARIS, utcnow
from core.permissions import Action, Actor, can, require
from db.models import AuditEntry, Candidacy, Network, Structure

#: Every action the code records, with its French name, the work of the app first (the
#: journal's filter lists them in this order; tests/core/test_audit.py reads the code to
#: check that every recorded action is here, and nothing else).
ACTION_LABELS = {
    "candidacy_created": "Création d'une candidature (brouillon)",
    "candidacy_updated": "Modification d'une candidature",
    "candidacy_submitted": "Dépôt d'une candidature",
    "candidacy_withdrawn": "Retrait d'une candidature",
    "candidacies_imported": "Import d'un fichier de candidatures",
    "review_saved": "Évaluation enregistrée (brouillon)",
    "review_submitted": "Évaluation soumise",
    "review_revised": "Évaluation révisée",
    "review_abstained": "Abstention sur une candidature",
    "review_assigned": "Attribution d'une candidature à un évaluateur",
    "review_unassigned": "Retrait d'une attribution",
    "reviews_distributed": "Répartition des évaluations",
    "reviews_assignment_stopped": "Fin de la répartition des évaluations",
    "call_reviewers_updated": "Évaluateurs d'un appel",
    "conflict_declared": "Déclaration d'un lien d'intérêt",
    "conflict_withdrawn": "Retrait d'un lien d'intérêt",
    "decision_set": "Décision sur une candidature",
    "waitlist_moved": "Déplacement dans la liste d'attente",
    "waitlist_shifted": "Rang en liste d'attente décalé",
    "decision_released": "Décision levée (candidature retirée)",
    "proposal_applied": "Application d'une proposition de sélection",
    "decisions_published": "Publication des décisions d'un appel",
    "decision_revised": "Révision d'une décision publiée",
    "confirmation_deadline_set": "Date limite de confirmation des présentations",
    "pitch_confirmed": "Présentation confirmée par la structure",
    "pitch_declined": "Présentation déclinée par la structure",
    "confirmation_link_rejected": "Lien de confirmation refusé",
    "programme_template_applied": "Programme : modèle de matinée appliqué",
    "programme_item_created": "Programme : ajout d'un élément",
    "programme_item_updated": "Programme : modification d'un élément",
    "programme_item_removed": "Programme : suppression d'un élément",
    "pitch_order_changed": "Programme : ordre des présentations express",
    "programme_published": "Publication d'une version du programme",
    "call_created": "Création d'un appel",
    "call_updated": "Modification d'un appel",
    "call_opened": "Ouverture d'un appel",
    "call_extended": "Prolongation d'un appel",
    "call_closed": "Clôture d'un appel",
    "edition_created": "Création d'une rencontre",
    "edition_updated": "Modification d'une rencontre",
    "mail_template_saved": "Modification d'un modèle de courriel",
    "mail_template_reset": "Retour au texte par défaut d'un modèle de courriel",
    "network_created": "Création d'un réseau",
    "network_updated": "Modification d'un réseau",
    "account_invited": "Invitation d'un compte",
    "invitation_resent": "Nouveau lien d'invitation",
    "account_updated": "Modification d'un compte",
    "password_set": "Mot de passe défini",
    "password_reset_requested": "Demande de réinitialisation",
    "admin_bootstrapped": "Création de l'administrateur (démarrage)",
    "sign_in": "Connexion",
    "sign_in_failed": "Échec de connexion",
    "sign_in_locked": "Connexion bloquée (trop d'échecs)",
    "sign_out": "Déconnexion",
    "csrf_rejected": "Requête refusée (jeton CSRF)",
    "link_rejected": "Lien refusé",
    "mail_edited": "Modification d'un courriel (brouillon)",
    "mail_discarded": "Courriel écarté",
    "mail_requeued": "Courriel remis en file d'attente",
}


def _plain(value: Any) -> Any:
    """JSON-safe copy of a value for the before/after columns."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    object_type: str | None = None,
    object_id: int | None = None,
    network_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    detail: str | None = None,
    ip_address: str | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Add an audit row to the session's transaction (it lands with the change or not at all)."""
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.user_id if actor else None,
        actor_label=actor_label or (actor.email if actor else None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        network_id=network_id,
        ip_address=ip_address or (actor.ip_address if actor else None),
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        detail=detail,
    )
    session.add(entry)
    return entry


REFUSALS_PER_WINDOW = 20
REFUSAL_WINDOW = timedelta(minutes=10)


def record_refusal(session: Session, *, action: str, ip_address: str | None, detail: str | None = None,
                   object_type: str | None = None, object_id: int | None = None) -> AuditEntry | None:
    """Audit an anonymous request refused (a forged, spent or expired link, a form without its
    CSRF token), up to REFUSALS_PER_WINDOW rows of one kind from one address per REFUSAL_WINDOW:
    a script sending forged links cannot fill the journal, and each burst's start stays in it.
    None when the row was not written (the caller still logs the refusal)."""
    recent = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.ip_address.is_not_distinct_from(ip_address),
        AuditEntry.at >= utcnow() - REFUSAL_WINDOW))
    if recent >= REFUSALS_PER_WINDOW:
        return None
    return record(session, actor=None, action=action, ip_address=ip_address, detail=detail,
                  object_type=object_type, object_id=object_id)


@dataclass(frozen=True)
class AuditFilter:
    text: str = ""
    actions: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditRow:
    """An entry with the structure it is about (a candidacy's rows only)."""

    entry: AuditEntry
    structure_name: str | None = None
    siret: str | None = None


# Reviews, conflicts of interest and decisions are the lead's: whoever lacks the right to
# see them (an administrator) does not read them in the journal either.
CONFIDENTIAL_ACTIONS: dict[Action, frozenset[str]] = {
    Action.VIEW_REVIEW_BOARD: frozenset(a for a in ACTION_LABELS
                                        if a.startswith(("review_", "reviews_", "conflict_", "call_reviewers_"))),
    Action.DECIDE: frozenset(a for a in ACTION_LABELS if a.startswith(("decision", "waitlist_", "proposal_"))),
}


def hidden_actions(actor: Actor) -> frozenset[str]:
    """The actions whose entries this actor may not read."""
    return frozenset().union(*(actions for right, actions in CONFIDENTIAL_ACTIONS.items() if not can(actor, right)))


def list_entries(
    session: Session, *, actor: Actor, filters: AuditFilter = AuditFilter(), limit: int = 500
) -> list[AuditRow]:
    """The newest entries matching the filters (dates are Paris days, inclusive), in one query.

    The text is looked for in the person, the address, the detail and, for a candidacy's
    rows, the structure's name (as the candidacy has it, or as the directory does) and SIRET.
    """
    require(actor, Action.VIEW_AUDIT)
    query = (
        select(AuditEntry, Candidacy.name, Structure.siret)
        .outerjoin(Candidacy, (AuditEntry.object_type == "candidacy") & (AuditEntry.object_id == Candidacy.id))
        .outerjoin(Structure, Structure.id == Candidacy.structure_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    hidden = hidden_actions(actor)
    if hidden:
        query = query.where(AuditEntry.action.not_in(hidden))
    if filters.actions:
        query = query.where(AuditEntry.action.in_(filters.actions))
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since, time(), PARIS))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), PARIS)
        query = query.where(AuditEntry.at < end)
    if filters.text.strip():
        query = query.where(_text_matches(filters.text.strip()))
    return [AuditRow(entry, name, siret) for entry, name, siret in session.execute(query)]


NETWORK_FIELDS = ("network_id", "invited_networks")  # audit values that are network ids


def network_names(session: Session, entries: Iterable[AuditEntry]) -> dict[int, str]:
    """The name of every network an entry's before/after refers to by id (one query), so
    that the journal writes « réseau : Réseau Nord », not an id."""
    ids: set[int] = set()
    for entry in entries:
        for side in (entry.before, entry.after):
            for key in NETWORK_FIELDS:
                value = (side or {}).get(key)
                ids.update(v for v in (value if isinstance(value, list) else [value])
                           if isinstance(v, int) and not isinstance(v, bool))
    if not ids:
        return {}
    return dict(session.execute(select(Network.id, Network.name).where(Network.id.in_(ids))).all())


def _text_matches(text: str):
    needle = text.lower()
    # autoescape: a "%" or "_" typed by the user is searched for, not a wildcard.
    columns = [AuditEntry.actor_label, AuditEntry.detail, AuditEntry.ip_address, Candidacy.name, Structure.name]
    conditions = [func.lower(column).contains(needle, autoescape=True) for column in columns]
    digits = re.sub(r"\s", "", text)  # a SIRET as people write it: « 443 061 841 00047 »
    if digits.isdigit():
        conditions.append(Structure.siret.contains(digits, autoescape=True))
    return or_(*conditions)
