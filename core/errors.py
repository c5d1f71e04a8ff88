"""Domain errors, each named for the rule it protects, each with a French message.

Also `clean_fields`, the one way a use case turns raw fields into clean values and the
French message of every field refused, to raise them together in one ValidationFailed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.validation import FieldError


class DomainError(Exception):
    """Base of every error a user may see; `message` is French and safe to show."""

    message = "L'opération n'a pas pu être effectuée."

    def __init__(self, message: str | None = None):
        if message is not None:
            self.message = message
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input refused; `errors` maps each field name to its French message."""

    message = "Certains champs sont à corriger."

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__()


def clean_fields(checks: Mapping[str, Callable[[Any], Any]], raw: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """Run each field's check on `raw[field]`: (clean values, French message of each refused field).

    A refused field is absent from the values. The caller adds its cross-field and database
    rules to the messages, then raises `ValidationFailed(errors)` if there are any, so the
    user sees every error at once and nothing is written.
    """
    values, errors = {}, {}
    for field, check in checks.items():
        try:
            values[field] = check(raw[field])
        except FieldError as error:
            errors[field] = error.message
    return values, errors


class NotAllowed(DomainError):
    message = "Vous n'avez pas le droit d'effectuer cette action."


class NotFound(DomainError):
    message = "Élément introuvable."


class StaleEdit(DomainError):
    message = (
        "Cet élément a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
        "Rechargez la page pour voir la dernière version ; vos modifications n'ont pas été enregistrées."
    )


class DeadlinePassed(DomainError):
    message = "L'appel à candidatures est clos : la candidature ne peut plus être modifiée."


class DuplicateCandidacy(DomainError):
    message = "Cette structure a déjà été proposée pour cet appel."


class CapacityReached(DomainError):
    message = "Le nombre de places disponibles est atteint."


class SignInFailed(DomainError):
    message = "Adresse e-mail ou mot de passe incorrect."


class TooManyAttempts(DomainError):
    message = (
        "Trop de tentatives de connexion infructueuses. "
        "Réessayez dans 15 minutes ou demandez une réinitialisation du mot de passe."
    )


class InvalidLink(DomainError):
    message = "Ce lien n'est plus valable : il a expiré ou a déjà été utilisé. Demandez un nouveau lien."
