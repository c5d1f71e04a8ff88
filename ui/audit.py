"""Audit entries in French: what object, and what changed (« champ : avant → après »).

Field names and status values come out in the words the rest of the app uses for them
(the labels are imported from where each capability defines them); a value without a
French name is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from core.audit import NETWORK_FIELDS
from core.clock import format_date, format_datetime, format_time
from core.imports.columns import HEADER_OF
from core.permissions import ROLE_LABELS
from core.reference import kind_label
from db.models import CallState, Confirmation, Deliberation, ItemKind, Publication, ReviewState, Submission

OBJECT_LABELS = {"user": "compte", "network": "réseau", "candidacy": "candidature", "call": "appel",
                 "edition": "rencontre", "review": "évaluation", "reviewer_conflict": "lien d'intérêt",
                 "mail_template": "modèle de courriel", "programme_item": "élément du programme"}

# A candidacy's fields, as the form and the spreadsheet name them.
CANDIDACY_LABELS = {field: header.lower() if field != "siret" else header for field, header in HEADER_OF.items()}

FIELD_LABELS = {
    **CANDIDACY_LABELS,
    "name": "nom", "email": "e-mail", "full_name": "nom", "role": "rôle", "network_id": "réseau",
    "active": "actif",
    "description": "description", "contact_email": "e-mail de contact", "number": "numéro", "title": "titre",
    "event_date": "date", "start_time": "début", "end_time": "fin", "venue": "lieu",
    "theme_title": "thème", "theme_description": "description du thème", "opens_at": "ouverture",
    "closes_at": "clôture", "state": "état", "pitch_slots": "présentations express",
    "pitch_minutes": "durée d'une présentation (minutes)", "eligible_kinds": "types de structures éligibles",
    "eligible_departements": "départements éligibles", "invited_networks": "réseaux invités",
    "criteria": "critères", "submission": "dépôt", "withdrawal_reason": "raison du retrait",
    "deliberation": "délibération", "publication": "publication", "confirmation": "confirmation",
    # the summary row of an import (core.imports.write)
    "created": "candidatures créées", "updated": "candidatures modifiées", "unchanged": "candidatures inchangées",
    "rejected": "lignes en erreur", "submitted": "candidatures déposées", "submit": "dépôt à l'import",
    "rows": "lignes du fichier", "source": "fichier",
    # review (core.review)
    "candidacy_id": "candidature (n°)", "review_state": "état de l'évaluation", "scores": "notes",
    "comment": "commentaire pour la cheffe de projet", "shared_comment": "commentaire pour la structure",
    "abstention_reason": "raison de l'abstention", "reviewers": "évaluateurs", "reviewer": "évaluateur",
    "per_candidacy": "évaluateurs par candidature", "assignments": "attributions", "loads": "charge par évaluateur",
    "short": "candidatures avec moins d'évaluateurs que prévu", "reason": "nature du lien",
    "assignments_dropped": "attributions retirées (candidatures n°)",
    # mail templates (core.mail.editing)
    "key": "modèle", "edition_id": "rencontre (n°)", "subject": "objet", "body": "texte",
    "copy_networks": "réseau en copie",
    # programme (core.programme)
    "item_kind": "type d'élément", "room": "salle", "speakers": "intervenants", "starts_at": "début",
    "ends_at": "fin", "call_id": "appel (n°)", "changeover_minutes": "changement entre deux présentations (minutes)",
    "order": "ordre des présentations (candidatures n°)", "note": "note de version", "items": "éléments",
    "pitches": "présentations express",
}

# Stored value → French, per field; "kind" is the structure's type (its code and name).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "submission": Submission.labels(),
    "deliberation": Deliberation.labels(),
    "publication": Publication.labels(),
    "confirmation": Confirmation.labels(),
    "role": {role.value: label for role, label in ROLE_LABELS.items()},
    "state": CallState.labels(),
    "review_state": ReviewState.labels(),
    "item_kind": ItemKind.labels(),
}


def object_label(object_type: str | None, object_id: int | None) -> str:
    """« candidature n° 15 »; the type itself when it has no French name."""
    if not object_type:
        return ""
    label = OBJECT_LABELS.get(object_type, object_type)
    return f"{label} n° {object_id}" if object_id is not None else label


def structure_label(name: str | None, siret: str | None) -> str:
    """« Bâti'Insert 95 (SIRET 73282932000074) » for a candidacy's rows; nothing for the others."""
    if not name:
        return ""
    return f"{name} (SIRET {siret})" if siret else name


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")


def _field(key: str) -> str:
    # A candidacy's copy of its structure is stored as "structure.<field>".
    return key.removeprefix("structure.")


def field_label(key: str) -> str:
    field = _field(key)
    if field != key and field in CANDIDACY_LABELS:
        return CANDIDACY_LABELS[field]
    return FIELD_LABELS.get(field, key)


def _network(value: Any, networks: Mapping[int, str]) -> Any:
    """A network id as its name (core.audit.network_names), or « réseau n° 4 » if unknown."""
    if isinstance(value, int) and not isinstance(value, bool):
        return networks.get(value) or f"réseau n° {value}"
    return value


def field_value(key: str, value: Any, networks: Mapping[int, str] | None = None) -> str:
    """A stored value of the field `key` in French: its status label, its structure type, a
    network's name, or value_text."""
    field = _field(key)
    if field in NETWORK_FIELDS:
        names = networks or {}
        return value_text([_network(v, names) for v in value] if isinstance(value, list) else _network(value, names))
    if isinstance(value, str) and value in VALUE_LABELS.get(field, {}):
        return VALUE_LABELS[field][value]
    if field == "kind" and isinstance(value, str) and value:
        return kind_label(value)
    return value_text(value)


def value_text(value: Any) -> str:
    """A stored before/after value as text: « — » for nothing, « oui » / « non », Paris times."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(f"{v[0]} ({v[1]})" if isinstance(v, list) and len(v) == 2 else value_text(v) for v in value)
    if isinstance(value, str):
        return _moment(value) or value
    return str(value)


def _moment(text: str) -> str | None:
    """An ISO date, time or aware datetime (as audit.record stores them) written the French way."""
    try:
        if _DATETIME.fullmatch(text):
            return format_datetime(datetime.fromisoformat(text))
        if _DATE.fullmatch(text):
            return format_date(date.fromisoformat(text))
        if _TIME.fullmatch(text):
            return format_time(time.fromisoformat(text))
    except ValueError:
        pass
    return None


def changes(before: dict | None, after: dict | None, networks: Mapping[int, str] | None = None) -> str:
    """Only what differs, « champ : avant → après », one change after the other; network ids
    written with their names from `networks` (core.audit.network_names).

    With nothing before (a creation, an import's summary), the values given, « champ : valeur ».
    """
    if before is None:
        return " ; ".join(f"{field_label(k)} : {field_value(k, v, networks)}" for k, v in (after or {}).items()
                          if value_text(v) != "—")
    after = after or {}
    keys = [*before, *(k for k in after if k not in before)]
    return " ; ".join(
        f"{field_label(k)} : {field_value(k, before.get(k), networks)} → {field_value(k, after.get(k), networks)}"
        for k in keys if before.get(k) != after.get(k)
    )
