"""One's own password: the current one is needed, the other sessions end."""

from core.accounts import profile
from db.engine import unit_of_work
from db.models import Role
from tests.core.accounts.support import (
    NEW_PASSWORD,
    audit_rows,
    field_errors,
    sign_in,
)
from tests.factories import PASSWORD, make_user


def test_change_password_needs_the_current_one(db):
    actor = make_user(Role.PILOTE)

    def change(current, new, confirmation=None):
        with unit_of_work() as session:
            profile.change_password(session, actor=actor, current_password=current, new_password=new,
                                    confirmation=new if confirmation is None else confirmation)

    assert set(field_errors(change, "pas-le-bon", NEW_PASSWORD)) == {"current_password"}
    assert set(field_errors(change, PASSWORD, "court")) == {"password"}
    assert set(field_errors(change, PASSWORD, NEW_PASSWORD, "different-encore")) == {"password_confirmation"}
    assert sign_in(actor.email, PASSWORD).error is None
    change(PASSWORD, NEW_PASSWORD)
    assert sign_in(actor.email, PASSWORD).error is not None
    assert sign_in(actor.email, NEW_PASSWORD).error is None
    assert audit_rows("password_set")[0].actor_id == actor.user_id
