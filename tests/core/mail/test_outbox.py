"""Mail: templates render strictly in a sandbox, and the outbox holds each key once, with its HTML part."""

from datetime import UTC, datetime, timedelta

import pytest
from jinja2.exceptions import SecurityError, UndefinedError
from sqlalchemy import func, select

from core import mail
from core.candidacies import saving
from db.engine import read_only, unit_of_work
from db.models import Call, MailStatus, MailTemplate, OutboxMessage, Role
from tests.factories import complete_form, make_call, make_network, make_user

INVITATION_CONTEXT = {
    "full_name": "Camille Martin",
    "inviter": "Sophie Durand",
    "role": "Réseau",
    "network": "Urtie",
    "link": "http://testserver/lien/abc",
    "expires": "8 mars 2030 à 09 h 00",
}


def outbox_count() -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage))


def store_template(key: str, subject: str, body: str) -> None:
    with unit_of_work() as session:
        session.add(MailTemplate(key=key, label="Modèle de test", subject=subject, body=body))


def queue(key="cle-1", template_key="invitation", context=None, **kwargs) -> OutboxMessage:
    with unit_of_work() as session:
        message = mail.queue(session, idempotency_key=key, template_key=template_key,
                             to_address="camille@exemple.fr", context=context or INVITATION_CONTEXT, **kwargs)
        session.expunge(message)
        return message


def test_render_default_invitation_fills_every_placeholder(db):
    with read_only() as session:
        subject, body = mail.render(session, "invitation", INVITATION_CONTEXT)
    assert subject == "Votre accès à OpenMap candidatures"
    for value in INVITATION_CONTEXT.values():
        assert value in body
    assert "{{" not in body and "{%" not in body


def test_render_stored_template_wins_over_the_default(db):
    store_template("invitation", "Bienvenue {{ full_name }}", "Lien : {{ link }}")
    with read_only() as session:
        assert mail.render(session, "invitation", INVITATION_CONTEXT) == (
            "Bienvenue Camille Martin", "Lien : http://testserver/lien/abc")


def test_render_with_missing_placeholder_raises(db):
    context = dict(INVITATION_CONTEXT)
    del context["link"]
    with read_only() as session, pytest.raises(UndefinedError):
        mail.render(session, "invitation", context)


def test_queue_with_missing_placeholder_raises_and_queues_nothing(db):
    store_template("invitation", "Bonjour {{ full_name }}", "Votre créneau : {{ slot_time }}")
    with pytest.raises(UndefinedError):
        queue(context=INVITATION_CONTEXT)
    assert outbox_count() == 0


def test_queue_missing_placeholder_in_subject_queues_nothing(db):
    store_template("invitation", "Bonjour {{ nickname }}", "Texte sans trou")
    with pytest.raises(UndefinedError):
        queue()
    assert outbox_count() == 0


def test_queue_stores_rendered_message_as_queued(db):
    message = queue(cc_addresses=["a@exemple.fr", "b@exemple.fr"])
    with read_only() as session:
        stored = session.get(OutboxMessage, message.id)
        assert stored.status == MailStatus.QUEUED and stored.attempts == 0
        assert stored.subject == "Votre accès à OpenMap candidatures"
        assert "Camille Martin" in stored.body_text
        assert stored.cc_addresses == "a@exemple.fr, b@exemple.fr"
        assert stored.to_address == "camille@exemple.fr" and stored.sent_at is None


def test_queue_same_idempotency_key_twice_gives_one_row(db):
    first = queue(key="decision:42")
    second = queue(key="decision:42", context=dict(INVITATION_CONTEXT, full_name="Quelqu'un d'autre"))
    assert second.id == first.id
    assert outbox_count() == 1
    with read_only() as session:
        assert "Camille Martin" in session.scalar(select(OutboxMessage.body_text))


def test_queue_same_key_in_one_transaction_gives_one_row(db):
    with unit_of_work() as session:
        first = mail.queue(session, idempotency_key="k", template_key="invitation",
                           to_address="x@exemple.fr", context=INVITATION_CONTEXT)
        second = mail.queue(session, idempotency_key="k", template_key="invitation",
                            to_address="x@exemple.fr", context=INVITATION_CONTEXT)
        assert first is second
    assert outbox_count() == 1


def test_queue_different_keys_give_two_rows(db):
    queue(key="a")
    queue(key="b")
    assert outbox_count() == 2


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ full_name.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_render_sandbox_blocks_attribute_access(db, source):
    store_template("invitation", "Sujet", source)
    with read_only() as session, pytest.raises(SecurityError):
        mail.render(session, "invitation", INVITATION_CONTEXT)
    with pytest.raises(SecurityError):
        queue()
    assert outbox_count() == 0


def test_render_sandbox_blocks_attribute_access_through_str_format(db):
    store_template("invitation", "Sujet", "{{ '{0.__class__}'.format(full_name) }}")
    with read_only() as session, pytest.raises(SecurityError):
        mail.render(session, "invitation", INVITATION_CONTEXT)


def test_render_does_not_escape_plain_text_mail(db):
    with read_only() as session:
        _, body = mail.render(session, "invitation", dict(INVITATION_CONTEXT, full_name="Léa & <Co>"))
    assert "Léa & <Co>" in body


def test_a_submission_acknowledgement_uses_the_editions_text_and_has_an_html_part(db):
    closes = datetime(2027, 2, 1, 17, tzinfo=UTC)
    network = make_network("Urtie")
    call_id = make_call(networks=(network,), opens_at=closes - timedelta(days=30), closes_at=closes)
    with read_only() as session:
        edition_id = session.get(Call, call_id).edition_id
    with unit_of_work() as session:
        session.add(MailTemplate(key="submission_ack", edition_id=edition_id, label="x",
                                 subject="Reçu : {{ structure }}", body="Merci pour {{ structure }} <3"))
    with unit_of_work() as session:
        candidacy_id = saving.save(session, actor=make_user(Role.RESEAU, network_id=network), call_id=call_id,
                                   form=complete_form(), submit=True, now=closes - timedelta(days=1))
    with read_only() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.candidacy_id == candidacy_id))
    assert (message.subject, message.body_text) == ("Reçu : Bâti'Insert 95", "Merci pour Bâti'Insert 95 <3")
    assert "<p>Merci pour Bâti&#x27;Insert 95 &lt;3</p>" in message.body_html and message.call_id == call_id


def test_recipients_copy_the_network_only_when_the_template_says_so_and_nobody_twice():
    assert mail.recipients("a@x.fr", ["b@x.fr"], ["R@x.fr", "A@x.fr", None]) == ("a@x.fr", "b@x.fr, R@x.fr")
    assert mail.recipients("a@x.fr", ["b@x.fr"], ["r@x.fr"], copy_networks=False) == ("a@x.fr", "b@x.fr")
    assert mail.recipients("a@x.fr", [], []) == ("a@x.fr", None)


@pytest.mark.parametrize("address", ["a@x.fr\r\nBcc: victime@x.fr", "a@x.fr\n", "a@x.fr\x00"])
def test_an_address_holding_a_line_break_is_never_queued(db, address):
    with pytest.raises(ValueError):
        mail.recipients(address)
    with pytest.raises(ValueError):
        queue(key="k", cc_addresses=[address])
    assert outbox_count() == 0
