"""The columns of a candidacy spreadsheet: French headers, the form field each one fills,
and how a header is recognised whatever its spelling."""

from __future__ import annotations

from collections.abc import Mapping

from core.validation import matching_key

#: French header → CandidacyForm field, in the template's order.
COLUMNS: dict[str, str] = {
    "SIRET": "siret",
    "Nom de la structure": "name",
    "Type de structure": "kind",
    "Adresse": "address",
    "Code postal": "postcode",
    "Ville": "city",
    "Département": "departement",
    "Site internet": "website",
    "Secteurs d'activité": "sectors",
    "Salariés en insertion": "insertion_workforce",
    "Contact — nom": "contact_name",
    "Contact — e-mail": "contact_email",
    "Contact — téléphone": "contact_phone",
    "Présentateur — nom": "presenter_name",
    "Présentateur — fonction": "presenter_role",
    "Titre de la présentation": "pitch_title",
    "Résumé": "pitch_summary",
    "Offre pour les acheteurs": "buyer_offer",
    "Références de marchés publics": "public_references",
    "Accord traitement des données": "consent_processing",
    "Accord partage avec les acheteurs": "consent_sharing",
}
HEADER_OF: dict[str, str] = {name: header for header, name in COLUMNS.items()}
REQUIRED_COLUMNS = ("SIRET",)
CONSENT_FIELDS = ("consent_processing", "consent_sharing")

# Matching key (case, accents, spaces and punctuation ignored) → canonical header.
# The field names are accepted too, for files produced by other programs.
_HEADER_BY_KEY: dict[str, str] = {
    **{matching_key(name): header for header, name in COLUMNS.items()},
    **{matching_key(header): header for header in COLUMNS},
}


def canonical_header(text: str) -> str | None:
    return _HEADER_BY_KEY.get(matching_key(text))


_COLUMN_ORDER = {name: index for index, name in enumerate(COLUMNS.values())}


def column_errors(errors: Mapping[str, str]) -> list[tuple[str, str]]:
    """Field errors as (column header, message), in the columns' order."""
    if not errors:
        return []
    return [(HEADER_OF.get(name, name), message) for name, message in
            sorted(errors.items(), key=lambda item: _COLUMN_ORDER.get(item[0], len(_COLUMN_ORDER)))]
