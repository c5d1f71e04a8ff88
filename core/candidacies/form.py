"""The candidacy form: raw values in, a clean candidacy or every field error out.

Shared by the form page and the spreadsheet import, so both apply the same rules.
A draft needs only the structure's identity (SIRET and name); a submission needs
every required field and both consents.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from types import MappingProxyType

from core.errors import ValidationFailed, clean_fields
from core.validation import (
    FieldError,
    check_postcode_departement,
    clean_departement,
    clean_email,
    clean_int,
    clean_kind,
    clean_phone,
    clean_postcode,
    clean_sectors,
    clean_siret,
    clean_text,
    clean_url,
)

CONSENT_MESSAGES = {
    "consent_processing": (
        "La structure doit accepter le traitement de ses données pour que la candidature soit déposée."),
    "consent_sharing": "La structure doit accepter le partage de sa candidature avec les acheteurs.",
}


@dataclass
class CandidacyForm:
    """What a referent typed (or a spreadsheet row held), before validation."""

    siret: str = ""
    name: str = ""
    kind: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    departement: str = ""
    website: str = ""
    sectors: list[str] | str = field(default_factory=list)
    insertion_workforce: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    presenter_name: str = ""
    presenter_role: str = ""
    pitch_title: str = ""
    pitch_summary: str = ""
    buyer_offer: str = ""
    public_references: str = ""
    consent_processing: bool = False
    consent_sharing: bool = False


@dataclass(frozen=True)
class CleanCandidacy:
    """A validated candidacy: structure fields and candidacy fields, normalised."""

    siret: str
    name: str
    kind: str
    address: str | None
    postcode: str | None
    city: str | None
    departement: str | None
    website: str | None
    sectors: tuple[str, ...]
    insertion_workforce: int | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    presenter_name: str | None
    presenter_role: str | None
    pitch_title: str | None
    pitch_summary: str | None
    buyer_offer: str | None
    public_references: str | None
    consent_processing: bool
    consent_sharing: bool

    def structure_values(self) -> dict:
        return {name: getattr(self, name) for name in STRUCTURE_FIELDS}

    def snapshot_values(self) -> dict:
        return {name: getattr(self, name) for name in SNAPSHOT_FIELDS}

    def candidacy_values(self) -> dict:
        return {name: getattr(self, name) for name in CANDIDACY_FIELDS}


STRUCTURE_FIELDS = (
    "siret", "name", "kind", "address", "postcode", "city", "departement", "website", "insertion_workforce",
)
# The structure as a candidacy keeps it (its own copy; the SIRET is the directory's key).
SNAPSHOT_FIELDS = tuple(name for name in STRUCTURE_FIELDS if name != "siret")
CANDIDACY_FIELDS = (
    "contact_name", "contact_email", "contact_phone", "presenter_name", "presenter_role", "pitch_title",
    "pitch_summary", "buyer_offer", "public_references", "consent_processing", "consent_sharing",
)

# field: (French label, max length, required to submit)
TEXT_FIELDS: dict[str, tuple[str, int, bool]] = {
    "name": ("Nom de la structure", 200, True),
    "address": ("Adresse", 300, True),
    "city": ("Ville", 120, True),
    "contact_name": ("Nom du contact", 120, True),
    "presenter_name": ("Nom de la personne qui présentera", 120, True),
    "presenter_role": ("Fonction de la personne qui présentera", 120, False),
    "pitch_title": ("Titre de la présentation", 200, True),
    "pitch_summary": ("Résumé", 1500, True),
    "buyer_offer": ("Ce que la structure propose aux acheteurs", 3000, True),
    "public_references": ("Références de marchés publics", 3000, False),
}
# Typed in a text area: they keep the zero-width joiners of emoji (see clean_text).
MULTILINE_FIELDS = frozenset({"pitch_summary", "buyer_offer", "public_references"})


def validate(
    form: CandidacyForm,
    *,
    submit: bool,
    eligible_kinds: Collection[str] | None = None,
    eligible_departements: Collection[str] | None = None,
) -> CleanCandidacy:
    """Validate every field and raise one ValidationFailed holding all the errors.

    `eligible_*` restrict kinds and départements to those the call accepts.
    """
    checks = _field_checks(submit, _frozen(eligible_kinds), _frozen(eligible_departements))
    values, errors = clean_fields(checks, vars(form))
    if values.get("postcode") and values.get("departement"):
        try:
            check_postcode_departement(values["postcode"], values["departement"])
        except FieldError as error:
            errors["postcode"] = error.message
    if submit:
        for name, message in CONSENT_MESSAGES.items():
            if not getattr(form, name):
                errors[name] = message
    if errors:
        raise ValidationFailed(errors)
    values["sectors"] = tuple(values["sectors"])
    values["consent_processing"] = bool(form.consent_processing)
    values["consent_sharing"] = bool(form.consent_sharing)
    return CleanCandidacy(**values)


def _frozen(codes: Collection[str] | None) -> frozenset[str] | None:
    return None if codes is None else frozenset(codes)


@lru_cache(maxsize=64)
def _field_checks(submit: bool, kinds: frozenset[str] | None,
                  departements: frozenset[str] | None) -> Mapping[str, Callable]:
    """The check of every field, built once per mode and eligibility: an import
    validates thousands of rows with the same checks."""
    def optional(check: Callable) -> Callable:
        return check if submit else partial(_unless_empty, check)

    texts = tuple(
        (name, partial(clean_text, label=label, required=needed and (submit or name == "name"), max_length=limit,
                       multiline=name in MULTILINE_FIELDS))
        for name, (label, limit, needed) in TEXT_FIELDS.items()
    )
    return MappingProxyType(dict((  # read-only: the cache shares it
        ("siret", clean_siret),
        *texts,
        ("kind", partial(clean_kind, allowed=kinds)),
        ("postcode", optional(clean_postcode)),
        ("departement", optional(partial(clean_departement, allowed=departements))),
        ("website", clean_url),
        ("sectors", partial(_optional_sectors, required=submit)),
        ("insertion_workforce", partial(clean_int, min_value=0, max_value=100000, required=False)),
        ("contact_email", optional(clean_email)),
        ("contact_phone", optional(clean_phone)),
    )))


def _unless_empty(check: Callable, raw):
    """None for an empty optional field; otherwise the check decides."""
    return check(raw) if (raw or "").strip() else None


def _optional_sectors(raw, *, required: bool) -> list[str]:
    empty = not raw or (isinstance(raw, str) and not raw.strip())
    if empty and not required:
        return []
    return clean_sectors(raw)

