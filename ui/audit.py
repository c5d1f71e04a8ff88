"""Audit entries in French: what object, and what changed (« champ : avant → après »)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from core.clock import format_date, format_datetime, format_time
from core.spreadsheet import HEADER_OF

OBJECT_LABELS = {"user": "compte", "network": "réseau", "candidacy": "candidature", "call": "appel",
                 "edition": "rencontre"}

FIELD_LABELS = {
    **{field: header.lower() if field != "siret" else header for field, header in HEADER_OF.items()},
    "name": "nom", "email": "e-mail", "full_name": "nom", "role": "rôle", "network_id": "réseau (n°)", "active": "actif",
    "description": "description", "contact_email": "e-mail de contact", "number": "numéro", "title": "titre",
    "event_date": "date", "start_time": "début", "end_time": "fin", "venue": "lieu",
    "theme_title": "thème", "theme_description": "description du thème", "opens_at": "ouverture",
    "closes_at": "clôture", "state": "état", "pitch_slots": "présentations express",
    "pitch_minutes": "durée d'une présentation (minutes)", "eligible_kinds": "types de structures éligibles",
    "eligible_departements": "départements éligibles", "invited_networks": "réseaux invités (n°)",
    "criteria": "critères", "submission": "dépôt", "withdrawal_reason": "raison du retrait",
}


def object_label(object_type: str | None, object_id: int | None) -> str:
    """« candidature n° 15 »; the type itself when it has no French name."""
    if not object_type:
        return ""
    label = OBJECT_LABELS.get(object_type, object_type)
    return f"{label} n° {object_id}" if object_id is not None else label


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")


def field_label(key: str) -> str:
    # A candidacy's copy of its structure is stored as "structure.<field>".
    return FIELD_LABELS.get(key.removeprefix("structure."), key)


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


def changes(before: dict | None, after: dict | None) -> str:
    """Only what differs, « champ : avant → après », one change after the other."""
    before, after = before or {}, after or {}
    keys = [*before, *(k for k in after if k not in before)]
    return " ; ".join(
        f"{field_label(k)} : {value_text(before.get(k))} → {value_text(after.get(k))}"
        for k in keys if before.get(k) != after.get(k)
    )
