"""Domain errors, each named for the rule it protects, each with a French message."""


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
