"""The lead's template saves: checked (placeholders, syntax, emptiness, one-line subject),
versioned (a stale save refused), audited, and reset to the default by deleting the row."""

import pytest
from sqlalchemy import func, select

from core.errors import NotAllowed, StaleEdit, ValidationFailed
from core.mail import editing
from core.mail.catalogue import CATALOGUE
from core.mail.rendering import lookup
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, MailTemplate, Role
from tests.factories import make_edition, make_user

KEY = "decision_waitlisted"


@pytest.fixture
def lead(db):
    return make_user(Role.PILOTE)


def save(actor, *, subject="Rang {{ rank }} — {{ structure }}", body="Bonjour, rang {{ rank }}.", edition_id=None,
         copy_networks=True, expected_version=0, key=KEY):
    with unit_of_work() as session:
        return editing.save_template(session, actor=actor, key=key, edition_id=edition_id, subject=subject,
                                     body=body, copy_networks=copy_networks, expected_version=expected_version)


def reset(actor, *, edition_id=None, expected_version=1):
    with unit_of_work() as session:
        return editing.reset_template(session, actor=actor, key=KEY, edition_id=edition_id,
                                      expected_version=expected_version)


def editable(actor, edition_id=None, key=KEY):
    with read_only() as session:
        return editing.template_for_editing(session, actor=actor, key=key, edition_id=edition_id)


def stored_count() -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(MailTemplate))


def audit_rows(action):
    with read_only() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def refused(actor, **changes) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        save(actor, **changes)
    assert stored_count() == 0
    return caught.value.errors


def test_editor_starts_from_the_default_then_from_the_saved_text(lead):
    shown = editable(lead)
    assert (shown.subject, shown.origin, shown.version) == (CATALOGUE[KEY].subject, "default", 0)
    assert shown.placeholders["rank"].startswith("Rang") and shown.origin_label == "Texte par défaut"
    assert save(lead, copy_networks=False) == 1
    again = editable(lead)
    assert (again.subject, again.copy_networks, again.origin, again.version) == (
        "Rang {{ rank }} — {{ structure }}", False, "all", 1)


def test_an_edition_inherits_the_text_for_all_until_it_has_its_own(lead):
    edition = make_edition()
    save(lead, subject="Pour toutes {{ rank }}")
    inherited = editable(lead, edition)
    assert (inherited.subject, inherited.origin, inherited.version) == ("Pour toutes {{ rank }}", "all", 0)
    save(lead, subject="Pour celle-ci {{ rank }}", edition_id=edition, expected_version=0)
    own = editable(lead, edition)
    assert (own.subject, own.origin, own.version) == ("Pour celle-ci {{ rank }}", "edition", 1)
    with read_only() as session:
        assert lookup(session, KEY, None).subject == "Pour toutes {{ rank }}"


def test_a_save_is_audited_with_before_and_after(lead):
    save(lead, body="Premier {{ rank }}")
    save(lead, body="Second {{ rank }}", expected_version=1)
    first, second = audit_rows("mail_template_saved")
    assert first.before is None and first.after["body"] == "Premier {{ rank }}"
    assert (second.before["body"], second.after["body"]) == ("Premier {{ rank }}", "Second {{ rank }}")
    assert second.detail == "Décision : liste d'attente (toutes les rencontres)"
    assert second.actor_id == lead.user_id and second.object_type == "mail_template"


def test_a_stale_save_is_refused_and_changes_nothing(lead):
    save(lead, body="Premier {{ rank }}")
    save(lead, body="D'un collègue {{ rank }}", expected_version=1)
    with pytest.raises(StaleEdit, match="modifié par quelqu'un d'autre"):
        save(lead, body="Le mien {{ rank }}", expected_version=1)
    with pytest.raises(StaleEdit):  # created meanwhile by someone else: the editor expected none
        save(lead, body="Le mien {{ rank }}", expected_version=0)
    assert editable(lead).body == "D'un collègue {{ rank }}"


def test_an_unknown_placeholder_is_refused_naming_the_allowed_ones(lead):
    errors = refused(lead, body="Votre créneau : {{ slot_time }} {{ rank }}")
    assert "champ inconnu de ce message : {{ slot_time }}" in errors["body"]
    assert "Champs disponibles : {{ structure }}, {{ network }}" in errors["body"] and "{{ rank }}" in errors["body"]
    assert "{{ nickname }}" in refused(lead, subject="Bonjour {{ nickname }}")["subject"]


@pytest.mark.parametrize(("body", "line", "said"), [
    ("Bonjour\n{% if rank %}\nrang", 2, "le texte se termine alors qu'un bloc n'est pas fermé"),
    ("Bonjour\n\n{{ rank }\n", 3, "« } » inattendu"),
    ("{{ rank | inconnu }}", 1, "filtre « inconnu » inconnu"),
    ("Un\n{% endfor %}", 2, "bloc {% endfor %} inconnu ou mal placé"),
])
def test_a_syntax_error_is_refused_with_its_line(lead, body, line, said):
    message = refused(lead, body=body)["body"]
    assert f"erreur de syntaxe à la ligne {line} : {said}" in message


@pytest.mark.parametrize(("changes", "field", "said"), [
    ({"subject": "  "}, "subject", "L'objet est vide"),
    ({"body": "\n \n"}, "body", "Le texte est vide"),
    ({"subject": "Ligne 1\nBcc: x@y.fr"}, "subject", "L'objet tient sur une ligne"),
    ({"subject": "x" * 301}, "subject", "trop long"),
    ({"body": "{{ ''.__class__.__mro__ }}"}, "body", "éléments internes"),
    ({"body": "{{ rank + 'x' }}"}, "body", "valeurs d'exemple"),
])
def test_an_empty_multiline_or_unsafe_text_is_refused(lead, changes, field, said):
    assert said in refused(lead, **changes)[field]


def test_a_text_that_drops_its_link_is_refused(lead):
    errors = refused(lead, key="decision_selected", subject="Retenue", body="Bravo {{ structure }}.")
    assert "{{ confirm_link }}" in errors["body"]


def test_reset_deletes_the_stored_text_and_is_audited(lead):
    save(lead, body="Le mien {{ rank }}")
    assert reset(lead) is True and stored_count() == 0
    assert editable(lead).origin == "default"
    [entry] = audit_rows("mail_template_reset")
    assert entry.before["body"] == "Le mien {{ rank }}" and entry.after is None
    assert reset(lead) is False and len(audit_rows("mail_template_reset")) == 1


def test_a_stale_reset_is_refused(lead):
    save(lead)
    save(lead, body="Autre {{ rank }}", expected_version=1)
    with pytest.raises(StaleEdit):
        reset(lead, expected_version=1)
    assert stored_count() == 1


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_edits_templates(db, role):
    actor = make_user(role)
    with pytest.raises(NotAllowed):
        save(actor)
    with pytest.raises(NotAllowed):
        editable(actor)
    with pytest.raises(NotAllowed):
        reset(actor)
    assert stored_count() == 0


@pytest.mark.parametrize(("body", "said"), [
    ("{{ structure }} {{ 'x' * 10**9 }}", "la multiplication (*)"),
    ("{{ structure }} {{ rank ** 10 }}", "la puissance (**)"),
    ("{{ structure }} {{ '%0999999999d' % rank }}", "l'opérateur %"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{{ rank }}{% endfor %}{% endfor %}",
     "une boucle qui ne parcourt pas un champ"),
    ("{{ structure }}{{ range(99999) }}", "un appel de fonction"),
    ("{% for a in structure %}{% for b in structure %}{{ rank }}{% endfor %}{% endfor %}",
     "une boucle dans une autre boucle"),
    ("{% for a in 'abc' %}{{ rank }}{% endfor %}", "une boucle qui ne parcourt pas un champ"),
    ("{% set a = structure ~ structure %}{{ a }}{{ rank }}", "{% set %}"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ rank }}", "{% macro %}"),
    ("{{ structure|center(999999999) }}{{ rank }}", "le filtre « center »"),
])
def test_a_text_that_could_multiply_its_rendering_is_refused_at_once(lead, body, said):
    # Each of these renders gigabytes or runs for hours: refused before any rendering.
    assert said in refused(lead, body=body)["body"]


def test_the_plain_language_of_a_template_is_kept(lead):
    body = ("Bonjour {{ structure|upper }}{% if rank > 1 and network %}, rang {{ rank ~ '' }}{% endif %}.\n"
            "{{ network|default('aucun réseau') }} {{ 's' if rank > 1 else '' }}")
    assert save(lead, body=body) == 1


@pytest.mark.parametrize("name", ["lipsum", "cycler", "range", "namespace"])
def test_a_name_of_jinja_itself_is_an_unknown_placeholder(lead, name):
    # Else the message would print « <function generate_lorem_ipsum at 0x…> ».
    assert "{{ " + name + " }}" in refused(lead, body="Rang {{ rank }} {{ " + name + " }}")["body"]
