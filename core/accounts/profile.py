"""One's own account: changing one's password."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import audit
from core.accounts.passwords import check_password_strength, hash_password, password_matches
from core.accounts.sessions import revoke_other_sessions
from core.clock import utcnow
from core.errors import NotAllowed, ValidationFailed
from core.permissions import Actor
from db.models import User


def change_password(
    session: Session, *, actor: Actor, current_password: str, new_password: str, confirmation: str,
    current_token: str | None = None,
) -> None:
    """Change one's own password; the current one must be given.

    Side effects: the user's other sessions (all but `current_token`'s) end; audit row.
    """
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotAllowed()
    if not password_matches(user, current_password):
        raise ValidationFailed({"current_password": "Le mot de passe actuel est incorrect."})
    check_password_strength(new_password, email=user.email)
    if new_password != confirmation:
        raise ValidationFailed({"password_confirmation": "Les deux mots de passe ne sont pas identiques."})
    user.password_hash = hash_password(new_password)
    user.version += 1
    revoke_other_sessions(session, user.id, keep_token=current_token, now=utcnow())
    audit.record(session, actor=actor, action="password_set", object_type="user", object_id=user.id,
                 detail="changement par l'utilisateur")
