"""Rows of a spreadsheet as candidacies: the form a row stands for, the template's example
row, and the check of a row with the form's rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from core.candidacies.form import CandidacyForm, CleanCandidacy, validate
from core.errors import ValidationFailed
from core.imports.columns import COLUMNS, CONSENT_FIELDS, canonical_header
from core.imports.template import EXAMPLE
from core.validation import clean_siret, excerpt, matching_key

# The example row of both templates, left in a file, is skipped: recognised by its SIRET and
# structure name. Its SIRET under another name is a row error: a half-overwritten example.
EXAMPLE_SKIPPED = "ligne d'exemple du modèle, ignorée"
EXAMPLE_SIRET_REFUSED = (
    "Ce SIRET est celui de la ligne d'exemple du modèle : remplacez-le par le SIRET de la structure."
)
_EXAMPLE_NAME_KEY = matching_key(EXAMPLE["Nom de la structure"])
_NOT_DIGITS = re.compile(r"[^0-9]")

_YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1", "x"})
_NO = frozenset({"non", "n", "no", "faux", "false", "0", ""})
_CONSENT_FAST = {"Oui": True, "oui": True, "OUI": True, "Non": False, "non": False, "NON": False, "": False}
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+]?[0-9]+")


def form_of(row: Mapping[str, object]) -> tuple[CandidacyForm, dict[str, str]]:
    """The form a row stands for, and the errors of cells the form cannot hold (Oui/Non)."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for header, raw in row.items():
        name = COLUMNS.get(header)
        if name is None:
            canonical = canonical_header(header) if isinstance(header, str) else None
            if canonical is None:
                continue
            name = COLUMNS[canonical]
        text = raw if type(raw) is str else ("" if raw is None else str(raw))
        if name in CONSENT_FIELDS:
            answer = _CONSENT_FAST.get(text)
            if answer is None:
                answer = True if matching_key(text) in _YES else False if matching_key(text) in _NO else None
            if answer is None:
                errors[name] = "Indiquez « Oui » ou « Non »."
            values[name] = bool(answer)
        else:
            values[name] = text
    return CandidacyForm(**values), errors


def is_example(row: Mapping[str, object]) -> bool:
    """Whether the row is the templates' example left in the file: its SIRET and structure
    name are the example's (whatever its other cells, spaces in the SIRET, case, accents)."""
    siret = _cell_of(row, "SIRET")
    return (_NOT_DIGITS.sub("", siret) == EXAMPLE["SIRET"]
            and matching_key(_cell_of(row, "Nom de la structure")) == _EXAMPLE_NAME_KEY)


def _cell_of(row: Mapping[str, object], header: str) -> str:
    """The text of the row's cell for a canonical header, whatever spelling its key has."""
    value = row.get(header)
    if value is None:
        value = next((v for k, v in row.items() if isinstance(k, str) and canonical_header(k) == header), "")
    return value if isinstance(value, str) else str(value or "")


def check_row(
    row: Mapping[str, object],
    *,
    submit: bool,
    eligible_kinds: Iterable[str] | None = None,
    eligible_departements: Iterable[str] | None = None,
) -> CleanCandidacy:
    """Validate one row as the form would; raise ValidationFailed keyed by form field.

    The template example's SIRET is refused (see EXAMPLE_SIRET_REFUSED). Pure: no database.
    For any mapping of str to str it raises nothing but ValidationFailed.
    """
    form, errors = form_of(row)
    try:
        clean = validate(form, submit=submit, eligible_kinds=eligible_kinds,
                         eligible_departements=eligible_departements)
    except ValidationFailed as refused:
        errors = {**refused.errors, **errors}
        if "siret" not in errors and clean_siret(form.siret) == EXAMPLE["SIRET"]:
            errors["siret"] = EXAMPLE_SIRET_REFUSED
        if "siret" in errors and _SCIENTIFIC.fullmatch(str(form.siret).strip()):
            errors["siret"] = (
                f"Le tableur a transformé ce SIRET en nombre arrondi ({excerpt(str(form.siret), 20)}) : "
                "formatez la colonne SIRET en texte et saisissez à nouveau les 14 chiffres."
            )
        raise ValidationFailed(errors) from None
    if clean.siret == EXAMPLE["SIRET"]:
        errors["siret"] = EXAMPLE_SIRET_REFUSED
    if errors:
        raise ValidationFailed(errors)
    return clean
