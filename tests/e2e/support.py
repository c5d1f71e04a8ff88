"""Steps shared by the browser tests."""

from __future__ import annotations

from tests.e2e.test_sign_in_flow import settled


def choose_call(page, theme: str, *ready_texts: str) -> None:
    """Pick the call of `theme` in the page's « Appel » box (typing filters its list: other
    tests of the session add calls), then wait for `ready_texts`."""
    box = page.get_by_label("Appel", exact=True)
    box.click()
    box.press_sequentially(theme[:12])
    page.get_by_role("option").filter(has_text=theme).first.click()
    settled(page, *ready_texts)


def decided_call(*, theme: str, network: str, contacts: dict[str, str | None], lead_email: str) -> dict:
    """A closed call of `theme` with one pitch place and a candidacy per name of `contacts`
    (name → contact e-mail, or None for the builder's), from `network`: the first retained,
    the others on the waiting list in that order. {"call", "ids" (name → id), "lead"}."""
    from datetime import UTC, datetime, timedelta

    from core.selection import decisions
    from db.engine import unit_of_work
    from db.models import Call, Role
    from tests.core.selection.builders import Spec, make_candidacies, version
    from tests.factories import make_call, make_edition, make_network, make_user

    network_id = make_network(network)
    now = datetime.now(UTC)
    call_id = make_call(make_edition(), networks=(network_id,), opens_at=now - timedelta(days=30),
                        closes_at=now - timedelta(days=1))
    with unit_of_work() as session:
        call = session.get(Call, call_id)
        call.theme_title, call.pitch_slots = theme, 1
    specs = [Spec(name=name, network=network, **({"contact_email": email} if email else {}))
             for name, email in contacts.items()]
    ids = dict(zip(contacts, make_candidacies(call_id, specs), strict=True))
    lead = make_user(Role.PILOTE, email=lead_email)
    for n, name in enumerate(contacts):
        with unit_of_work() as session:
            decisions.decide(session, actor=lead, candidacy_id=ids[name], expected_version=version(ids[name]),
                             decision="selected" if n == 0 else "waitlisted")
    return {"call": call_id, "ids": ids, "lead": lead}
