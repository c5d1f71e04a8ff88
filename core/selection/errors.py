"""Errors of deliberation and publication, each named for the rule it protects."""

from core.errors import DomainError


class DecisionsPublished(DomainError):
    message = (
        "Les décisions de cet appel sont publiées : pour changer une décision, utilisez « Réviser » sur la "
        "page « Publication des décisions » en indiquant la raison (un message corrigé sera envoyé)."
    )


class DecisionsNotPublished(DomainError):
    message = "Les décisions de cet appel ne sont pas encore publiées : modifiez-les directement."


class UndecidedCandidacies(DomainError):
    message = "Des candidatures déposées n'ont pas encore de décision."


class CallStillOpen(DomainError):
    message = "L'appel reçoit encore des candidatures : les décisions se publient après sa clôture."
