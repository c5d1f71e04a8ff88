"""The lead's constraints on a proposed selection, validated, and how they read in French.

A `Limit` bounds how many chosen candidacies belong to a group: one network, kind,
family (insertion or disability), département or sector, or each of them (`value`
None: « au plus 1 par réseau »). « At least one per sector in a list » is one limit per
sector (`cover_sectors`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.departements import DEPARTEMENTS, departement_label
from core.errors import ValidationFailed
from core.reference import SECTORS, STRUCTURE_KINDS
from core.selection.frames import DISABILITY, IAE
from core.validation import FieldError, clean_int

MAX_COUNT = 1000


class Dimension(str, enum.Enum):
    NETWORK = "network"
    KIND = "kind"
    FAMILY = "family"
    DEPARTEMENT = "departement"
    SECTOR = "sector"


#: « par réseau »: what « each » reads as, per dimension.
EACH = {Dimension.NETWORK: "par réseau", Dimension.KIND: "par type de structure", Dimension.FAMILY: "par famille",
        Dimension.DEPARTEMENT: "par département", Dimension.SECTOR: "par secteur"}
_FAMILY_SUBJECTS = {IAE: "structures d'insertion (IAE)", DISABILITY: "structures du handicap (EA, EATT, ESAT)"}
_FAMILY_NOUNS = {IAE: "d'insertion (IAE)", DISABILITY: "du handicap (EA, EATT, ESAT)"}


@dataclass(frozen=True)
class Limit:
    """Between `at_least` and `at_most` (None: no maximum) chosen in the group(s)."""

    dimension: Dimension
    value: str | None = None
    at_least: int = 0
    at_most: int | None = None

    def describe(self) -> str:
        """« au moins 2 ESAT », « au plus 1 par réseau », « entre 1 et 3 du département 93 (Seine-Saint-Denis) »."""
        return f"{bounds_text(self.at_least, self.at_most)} {self.subject()}"

    def subject(self, value: str | None = None) -> str:
        value = self.value if value is None else value
        if value is None:
            return EACH[self.dimension]
        return {
            Dimension.KIND: lambda: value,
            Dimension.FAMILY: lambda: _FAMILY_SUBJECTS.get(value, value),
            Dimension.NETWORK: lambda: f"du réseau {value}",
            Dimension.DEPARTEMENT: lambda: f"du département {departement_label(value)}",
            Dimension.SECTOR: lambda: f"du secteur « {value} »",
        }[self.dimension]()

    def candidacies(self, count: int, value: str | None = None) -> str:
        """« une seule candidature ESAT », « aucune candidature du réseau Urtie », « 3 candidatures … »."""
        value = self.value if value is None else value
        noun = _FAMILY_NOUNS.get(value, value) if self.dimension == Dimension.FAMILY else (
            value if self.dimension == Dimension.KIND else self.subject(value))
        if count == 0:
            return f"aucune candidature {noun}"
        if count == 1:
            return f"une seule candidature {noun}"
        return f"seulement {count} candidatures {noun}"


def bounds_text(at_least: int, at_most: int | None) -> str:
    if at_most is None:
        return f"au moins {at_least}"
    if at_least == 0:
        return f"au plus {at_most}"
    if at_least == at_most:
        return f"exactement {at_least}"
    return f"entre {at_least} et {at_most}"


def cover_sectors(sectors: Iterable[str]) -> list[Limit]:
    """At least one chosen candidacy in each of these sectors."""
    return [Limit(Dimension.SECTOR, sector, at_least=1) for sector in dict.fromkeys(sectors)]


# ---------------------------------------------------------------- input


@dataclass(frozen=True)
class LimitInput:
    """One constraint as the lead typed it: numbers as text, an empty value meaning « each »."""

    dimension: str
    value: str | None = None
    at_least: str | int | None = None
    at_most: str | int | None = None


def parse_limits(raw: Sequence[LimitInput | Limit | Mapping]) -> list[Limit]:
    """Validated limits; else ValidationFailed with one French message per field refused,
    keyed « limits.<index>.<field> » (index from 0), and nothing else happens."""
    limits, errors = [], {}
    for index, item in enumerate(raw):
        item = _as_input(item)
        key = f"limits.{index}."
        found = {}
        try:
            dimension = Dimension(item.dimension)
        except ValueError:
            errors[key + "dimension"] = "Choisissez sur quoi porte la contrainte (réseau, type, famille, " \
                                        "département ou secteur)."
            continue
        value = (str(item.value).strip() or None) if item.value is not None else None
        problem = _value_problem(dimension, value)
        if problem:
            errors[key + "value"] = problem
        for name in ("at_least", "at_most"):
            try:
                given = getattr(item, name)
                found[name] = clean_int(None if given is None else str(given), min_value=0, max_value=MAX_COUNT,
                                        required=False)
            except FieldError as error:
                negative = str(given).strip().startswith("-")
                errors[key + name] = ("Indiquez un nombre entier positif ou nul." if negative or "entier" in
                                      error.message else error.message)
        if set(found) != {"at_least", "at_most"} or problem:
            continue
        at_least, at_most = found["at_least"] or 0, found["at_most"]
        if at_most is not None and at_least > at_most:
            errors[key + "at_most"] = f"Le maximum ({at_most}) est inférieur au minimum ({at_least})."
        elif at_least == 0 and at_most is None:
            errors[key + "at_least"] = "Indiquez un minimum, un maximum ou les deux."
        else:
            limits.append(Limit(dimension, value, at_least, at_most))
    if errors:
        raise ValidationFailed(errors)
    return limits


def _as_input(item) -> LimitInput:
    if isinstance(item, LimitInput):
        return item
    if isinstance(item, Limit):
        return LimitInput(item.dimension.value, item.value, item.at_least, item.at_most)
    return LimitInput(**dict(item))


def _value_problem(dimension: Dimension, value: str | None) -> str | None:
    if value is None:
        return None
    known = {Dimension.KIND: STRUCTURE_KINDS, Dimension.FAMILY: (IAE, DISABILITY), Dimension.DEPARTEMENT: DEPARTEMENTS,
             Dimension.SECTOR: SECTORS}.get(dimension)
    if known is not None and value not in known:
        return {Dimension.KIND: "Type de structure inconnu.", Dimension.FAMILY: "Famille inconnue (IAE ou handicap).",
                Dimension.DEPARTEMENT: "Département inconnu.", Dimension.SECTOR: "Secteur inconnu."}[dimension]
    return None
