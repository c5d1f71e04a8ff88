"""The candidacy form of a network referent: each message next to its field, drafts,
submission with its acknowledgement, prefill from the directory, another network's
candidacy, the deadline, a colleague's concurrent edit, withdrawal, and user text
shown as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from stdnum import luhn

from core.candidacies import saving
from core.candidacies.form import CandidacyForm
from core.clock import format_datetime
from core.errors import DeadlinePassed
from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, OutboxMessage, Role, Structure, Submission
from tests.factories import complete_form, make_call, make_network, make_user
from tests.pages.conftest import (
    by_label,
    message_after,
    no_exception,
    open_app,
    red,
    texts,
)
from ui.forms import escape_md

PAGE = "pages/reseau/candidature.py"
BAD_SIRET = "73282932000079"
SIRET = "73282932000074"
SIRET_MESSAGE = ("Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte). "
                 "Vérifiez-le sur l'avis de situation INSEE.")
EMAIL_MESSAGE = "Cette adresse e-mail n'est pas valide. Vérifiez son orthographe (par exemple prenom.nom@exemple.fr)."
SUBMIT = "Déposer la candidature"
DRAFT = "Enregistrer le brouillon"
SAVE_CHANGES = "Enregistrer les modifications"
READ_ONLY = "Cette candidature n'est plus modifiable : l'appel est clos."
KEPT = " Votre saisie, non enregistrée, reste affichée ci-dessous pour que vous puissiez la copier."

TEXTS = {
    "Nom de la structure *": "Bâti'Insert 95",
    "Adresse *": "12 rue des Ouvriers",
    "Code postal *": "95100",
    "Ville *": "Argenteuil",
    "Site internet": "www.bati-insert.exemple.fr",
    "Salariés en insertion": "18",
    "Nom du contact *": "Samia Benali",
    "E-mail du contact *": "samia@bati-insert.exemple.fr",
    "Téléphone du contact *": "01 39 00 00 00",
    "Personne qui présentera *": "Samia Benali",
    "Sa fonction": "Directrice",
    "Titre *": "Second œuvre en insertion",
}
AREAS = {
    "Résumé *": "Peinture et plâtrerie.",
    "Ce que la structure propose aux acheteurs sur ce thème *": "Lots de second œuvre.",
    "Références de marchés publics déjà obtenus": "Ville d'Argenteuil, 2023.",
}
CONSENTS = ("La structure accepte le traitement de ses données pour cet appel à candidatures *",
            "La structure accepte que sa candidature soit communiquée aux acheteurs publics *")


def siret_for(n: int) -> str:
    """A valid SIRET (SIREN and SIRET check digits right), a different one for each n."""
    siren = f"{50000000 + n:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + f"{n % 10000:04d}"
    return body + luhn.calc_check_digit(body)



@pytest.fixture
def setting(sqlite_db):
    network_a, network_b = make_network("Urtie"), make_network("Initiatives 77")
    call_id = make_call(networks=(network_a, network_b))
    return {
        "call": call_id,
        "a": make_user(Role.RESEAU, network_id=network_a),
        "a2": make_user(Role.RESEAU, network_id=network_a),
        "b": make_user(Role.RESEAU, network_id=network_b),
    }


def open_form(actor, **params):
    """The candidacy page as `actor`, with ?appel=… or ?id=… in the URL."""
    at = open_app(actor)
    at.switch_page(PAGE)
    at.query_params.update({name: str(value) for name, value in params.items()})
    return at.run()


def save_through_core(actor, call_id, form, *, submit=True, **kwargs) -> int:
    with unit_of_work() as session:
        return saving.save(session, actor=actor, call_id=call_id, form=form, submit=submit, **kwargs)


def fill(at, *, siret=SIRET, **changes):
    """Type a complete candidacy (labels → values in `changes` replace the defaults)."""
    by_label(at.text_input, "SIRET *").input(siret).run()
    for label, value in {**TEXTS, **{k: v for k, v in changes.items() if k in TEXTS}}.items():
        by_label(at.text_input, label).input(value)
    for label, value in {**AREAS, **{k: v for k, v in changes.items() if k in AREAS}}.items():
        by_label(at.text_area, label).input(value)
    by_label(at.selectbox, "Type de structure *").set_value("EI")
    by_label(at.selectbox, "Département *").set_value("95")
    by_label(at.multiselect, "Secteurs d'activité *").set_value(["Bâtiment et travaux publics"])
    for label in CONSENTS:
        by_label(at.checkbox, label).check()
    return at


def click(at, label: str):
    return by_label(at.button, label).click().run()


def column_of(at, label: str):
    """The column block holding the widget labelled `label` (where its message goes)."""
    for column in at.columns:
        if any(getattr(child, "label", None) == label for child in column.children.values()):
            return column
    raise AssertionError(f"no column holds {label!r}")


def count(model) -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(model))


def every_text(at) -> str:
    """Everything the page shows (values, labels, bodies, captions), main area and sidebar."""
    seen: list[str] = []

    def walk(node) -> None:
        for attribute in ("value", "label", "body", "placeholder", "help"):
            try:
                value = getattr(node, attribute, None)
            except Exception:  # noqa: BLE001 — some nodes compute values lazily from state
                continue
            if isinstance(value, str):
                seen.append(value)
        proto = getattr(node, "proto", None)
        for attribute in ("label", "body", "page", "options"):
            value = getattr(proto, attribute, None) if proto is not None else None
            if isinstance(value, str):
                seen.append(value)
            elif value is not None and not isinstance(value, (int, float)) and hasattr(value, "__iter__"):
                seen.extend(str(v) for v in value)
        if type(node).__name__ in ("Dataframe",):
            seen.append(node.value.to_string())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return "\n".join(seen)


# ---------------------------------------------------------------- submission


def test_candidature_wrong_siret_and_email_show_each_message_under_its_field_and_write_nothing(setting):
    at = open_form(setting["a"], appel=setting["call"])
    no_exception(at)
    assert texts(at.title) == ["Candidature — Thème de test"]
    at = click(fill(at, siret=BAD_SIRET, **{"E-mail du contact *": "samia@"}), SUBMIT)
    no_exception(at)
    assert texts(at.error) == [escape_md("Certains champs sont à corriger.")]
    assert message_after(at.main, "SIRET *") == red(SIRET_MESSAGE)
    assert message_after(column_of(at, "E-mail du contact *"), "E-mail du contact *") == red(EMAIL_MESSAGE)
    # the other fields have no message, and what was typed is kept
    assert message_after(at.form[0], "Nom de la structure *") is None
    assert message_after(column_of(at, "Nom du contact *"), "Nom du contact *") is None
    assert len([m for m in texts(at.markdown) if m.startswith(":red[")]) == 2
    assert by_label(at.text_input, "SIRET *").value == BAD_SIRET
    assert by_label(at.text_input, "E-mail du contact *").value == "samia@"
    assert by_label(at.text_input, "Ville *").value == "Argenteuil"
    assert by_label(at.multiselect, "Secteurs d'activité *").value == ["Bâtiment et travaux publics"]
    assert by_label(at.checkbox, CONSENTS[0]).value is True
    assert not at.success
    assert (count(Candidacy), count(Structure), count(OutboxMessage)) == (0, 0, 0)

    by_label(at.text_input, "SIRET *").input(SIRET).run()
    by_label(at.text_input, "E-mail du contact *").input("samia@bati-insert.exemple.fr")
    at = click(at, SUBMIT)
    no_exception(at)
    assert not at.error
    assert texts(at.success) == ["Candidature déposée : un accusé de réception est envoyé à votre réseau."]
    assert not [m for m in texts(at.markdown) if m.startswith(":red[")]
    with read_only() as session:
        [candidacy] = session.scalars(select(Candidacy)).all()
        assert candidacy.submission == Submission.SUBMITTED
        assert candidacy.network_id == setting["a"].network_id
        assert (candidacy.structure.siret, candidacy.structure.name) == (SIRET, "Bâti'Insert 95")
        assert candidacy.contact_email == "samia@bati-insert.exemple.fr"
        [ack] = session.scalars(select(OutboxMessage)).all()
        assert (ack.template_key, ack.candidacy_id) == ("submission_ack", candidacy.id)
    # the page now shows the stored candidacy, submitted, still editable until closing
    assert at.query_params == {"id": str(candidacy.id)}
    assert texts(at.info) == ["Statut : **Déposée**"]
    assert [b.label for b in at.main.button if not b.disabled] == [SAVE_CHANGES, "Retirer la candidature"]
    at.run()  # the notice is shown once
    assert not at.success


def test_candidature_draft_needs_only_siret_name_and_kind(setting):
    at = open_form(setting["a"], appel=setting["call"])
    by_label(at.text_input, "SIRET *").input("732 829 320 00074").run()
    by_label(at.text_input, "Nom de la structure *").input("Bâti'Insert 95")
    by_label(at.selectbox, "Type de structure *").set_value("EI")
    at = click(at, DRAFT)
    no_exception(at)
    assert not at.error
    assert texts(at.success) == ["Candidature enregistrée."]
    assert texts(at.info) == ["Statut : **Brouillon**"]
    with read_only() as session:
        [candidacy] = session.scalars(select(Candidacy)).all()
        assert candidacy.submission == Submission.DRAFT
        assert (candidacy.structure.siret, candidacy.structure.kind.value) == (SIRET, "EI")
    assert count(OutboxMessage) == 0
    # the draft can be submitted later: the submit button is still offered
    assert [b.label for b in at.main.button if not b.disabled] == [DRAFT, SUBMIT, "Retirer la candidature"]


def test_candidature_submission_with_missing_fields_lists_each_required_field(setting):
    at = open_form(setting["a"], appel=setting["call"])
    by_label(at.text_input, "SIRET *").input(SIRET).run()
    at = click(at, SUBMIT)
    no_exception(at)
    for label in ("Nom de la structure *", "Adresse *", "Site internet", "Secteurs d'activité *"):
        message = message_after(at.form[0], label)
        assert (message or "").startswith(":red[") == (label != "Site internet"), (label, message)
    assert message_after(at.main, "SIRET *") is None
    assert message_after(at.form[0], CONSENTS[0]) == red(
        "La structure doit accepter le traitement de ses données pour que la candidature soit déposée.")
    assert count(Candidacy) == 0


# ---------------------------------------------------------------- prefill


def test_candidature_known_siret_fills_the_structure_but_not_the_contact(setting):
    save_through_core(setting["b"], setting["call"], complete_form(), submit=False)
    other_call = make_call(networks=(setting["a"].network_id,))
    at = open_form(setting["a"], appel=other_call)
    by_label(at.text_input, "SIRET *").input("732 829 320 00074").run()
    no_exception(at)
    name = "Bâti'Insert 95"
    assert texts(at.info) == [f"Structure connue : {escape_md(name)}. Ses informations ont été reprises, vérifiez-les."]
    assert by_label(at.text_input, "Nom de la structure *").value == "Bâti'Insert 95"
    assert by_label(at.text_input, "Adresse *").value == "12 rue des Ouvriers"
    assert by_label(at.text_input, "Code postal *").value == "95100"
    assert by_label(at.text_input, "Ville *").value == "Argenteuil"
    assert by_label(at.text_input, "Salariés en insertion").value == "18"
    assert by_label(at.selectbox, "Type de structure *").value == "EI"
    assert by_label(at.selectbox, "Département *").value == "95"
    assert by_label(at.multiselect, "Secteurs d'activité *").value == ["Bâtiment et travaux publics"]
    for label in ("Nom du contact *", "E-mail du contact *", "Téléphone du contact *", "Personne qui présentera *"):
        assert by_label(at.text_input, label).value == "", label
    assert "samia" not in every_text(at).lower()


def test_candidature_unknown_or_invalid_siret_fills_nothing(setting):
    save_through_core(setting["b"], setting["call"], complete_form(), submit=False)
    at = open_form(setting["a"], appel=make_call(networks=(setting["a"].network_id,)))
    for typed in (siret_for(7), BAD_SIRET, SIRET[:9]):
        by_label(at.text_input, "SIRET *").input(typed).run()
        no_exception(at)
        assert not at.info
        assert by_label(at.text_input, "Nom de la structure *").value == ""
        assert by_label(at.selectbox, "Type de structure *").value is None


def test_candidature_coming_back_to_a_candidacy_shows_its_data_again(setting):
    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form())
    at = open_form(setting["a"], id=candidacy_id)
    assert by_label(at.text_input, "Ville *").value == "Argenteuil"
    at.switch_page("pages/reseau/accueil.py")
    at.query_params.clear()
    at.run()
    assert texts(at.title) == ["Urtie"]
    at.switch_page(PAGE)  # as the home page's link does, within the same browser session
    at.query_params["id"] = str(candidacy_id)
    at.run()
    no_exception(at)
    assert by_label(at.text_input, "SIRET *").value == SIRET
    assert by_label(at.text_input, "Ville *").value == "Argenteuil"
    assert by_label(at.multiselect, "Secteurs d'activité *").value == ["Bâtiment et travaux publics"]


# ---------------------------------------------------------------- other network, choice of call


def test_candidature_of_another_network_is_not_found_and_shows_none_of_its_data(setting):
    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form(name="Structure Secrète A"))
    at = open_form(setting["b"], id=candidacy_id)
    no_exception(at)
    assert texts(at.error) == ["Candidature ou appel introuvable."]
    assert not at.text_input and not at.form
    shown = every_text(at)
    for secret in ("Structure Secrète A", SIRET, "samia", "Argenteuil", "Urtie"):
        assert secret not in shown, secret
    assert "Structure Secrète A" in every_text(open_form(setting["a"], id=candidacy_id))  # the check does see it


def test_candidature_of_a_call_the_network_is_not_invited_to_is_not_found(setting):
    other = make_call(networks=(make_network("Autre"),))
    at = open_form(setting["a"], appel=other)
    no_exception(at)
    assert texts(at.error) == ["Candidature ou appel introuvable."]
    assert not at.form


@pytest.mark.parametrize("params", [
    {"id": "99999999999999999999"}, {"appel": "99999999999999999999"}, {"id": str(2**31)}, {"appel": str(2**63)},
    {"id": "-1"}, {"id": "0"}, {"appel": "abc"}, {"id": "١٢"},
], ids=["huge-id", "huge-call", "int32-overflow", "int64-overflow", "negative", "zero", "letters", "arabic-digits"])
def test_candidature_with_an_id_that_cannot_exist_is_not_found(setting, params):
    at = open_form(setting["a"], **params)
    no_exception(at)
    assert texts(at.error) == ["Candidature ou appel introuvable."]
    assert not at.form


def test_candidature_of_a_call_not_open_yet_says_when_it_opens(setting):
    opens = datetime.now(UTC) + timedelta(days=3)
    upcoming = make_call(networks=(setting["a"].network_id,), opens_at=opens, closes_at=opens + timedelta(days=10))
    at = open_form(setting["a"], appel=upcoming)
    no_exception(at)
    assert texts(at.warning) == [
        f"L'appel ouvre le {format_datetime(opens)} : la candidature pourra être saisie à partir de ce moment."]
    assert all(b.disabled for b in at.main.button)
    assert count(Candidacy) == 0


def test_candidature_without_query_params_offers_the_open_calls(setting):
    with unit_of_work() as session:
        session.get(Call, setting["call"]).theme_title = "Nettoyage des bâtiments publics"
    closed = make_call(networks=(setting["a"].network_id,), opens_at=datetime.now(UTC) - timedelta(days=9),
                       closes_at=datetime.now(UTC) - timedelta(days=1))
    with unit_of_work() as session:
        session.get(Call, closed).theme_title = "Appel clos"
    at = open_app(setting["a"], PAGE)
    no_exception(at)
    assert texts(at.title) == ["Nouvelle candidature"]
    choice = by_label(at.selectbox, "Appel à candidatures")
    assert choice.options == ["Nettoyage des bâtiments publics"]
    at = choice.select_index(0).run()
    no_exception(at)
    assert at.query_params == {"appel": str(setting["call"])}
    assert texts(at.title) == ["Candidature — Nettoyage des bâtiments publics"]
    assert len(at.form) == 1


# ---------------------------------------------------------------- deadline, concurrent edit


def close_call(call_id: int) -> None:
    with unit_of_work() as session:
        call = session.get(Call, call_id)
        call.closes_at = datetime.now(UTC) - timedelta(minutes=1)


def test_candidature_after_closing_is_read_only_and_a_late_save_is_refused(setting):
    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form())
    at = open_form(setting["a"], id=candidacy_id)
    assert not by_label(at.text_input, "Nom de la structure *").disabled
    by_label(at.text_input, "Nom de la structure *").input("Nom changé trop tard")
    close_call(setting["call"])
    # the form was still open in the browser: the click comes after the closing time
    at = click(at, SAVE_CHANGES)
    no_exception(at)
    assert not at.success
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        assert (candidacy.version, candidacy.structure.name) == (1, "Bâti'Insert 95")
    # refused with core's message; what was typed stays in the fields, to be copied
    assert texts(at.error) == [escape_md(DeadlinePassed.message)]
    assert texts(at.warning) == [READ_ONLY + KEPT]
    assert by_label(at.text_input, "Nom de la structure *").value == "Nom changé trop tard"
    assert not by_label(at.text_input, "Nom de la structure *").disabled
    assert not at.expander  # no withdrawal once closed
    # whatever the path, core refuses the save
    with pytest.raises(DeadlinePassed):
        save_through_core(setting["a"], setting["call"], complete_form(name="Nom changé trop tard"),
                          candidacy_id=candidacy_id, expected_version=1)

    at = open_form(setting["a"], id=candidacy_id)  # opened afresh after closing
    no_exception(at)
    assert texts(at.warning) == [READ_ONLY]
    assert by_label(at.text_input, "Nom de la structure *").value == "Bâti'Insert 95"
    assert all(w.disabled for w in [*at.text_input, *at.text_area, *at.selectbox, *at.multiselect, *at.checkbox])
    assert all(b.disabled for b in at.main.button)


def test_candidature_new_form_of_a_closed_call_is_read_only(setting):
    at = open_form(setting["a"], appel=setting["call"])
    close_call(setting["call"])
    by_label(at.text_input, "Nom de la structure *").input("Bâti'Insert 95")
    by_label(at.selectbox, "Type de structure *").set_value("EI")
    at = click(at, DRAFT)
    no_exception(at)
    assert count(Candidacy) == 0
    assert texts(at.error) == [escape_md(DeadlinePassed.message)]
    assert texts(at.warning) == [READ_ONLY + KEPT]
    assert by_label(at.text_input, "Nom de la structure *").value == "Bâti'Insert 95"

    at = open_form(setting["a"], appel=setting["call"])  # opened afresh after closing
    assert texts(at.warning) == [READ_ONLY]
    assert all(b.disabled for b in at.main.button)


def test_candidature_stale_edit_is_refused_with_the_french_message(setting):
    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form())
    at = open_form(setting["a"], id=candidacy_id)
    by_label(at.text_input, "Ville *").input("Cergy")
    # meanwhile a colleague of the same network saves the candidacy
    save_through_core(setting["a2"], setting["call"], complete_form(pitch_title="Titre du collègue"),
                      candidacy_id=candidacy_id, expected_version=1)
    at = click(at, SAVE_CHANGES)
    no_exception(at)
    assert texts(at.error) == [escape_md(
        "Cet élément a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
        "Rechargez la page pour voir la dernière version ; vos modifications n'ont pas été enregistrées.")]
    assert not at.success
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        assert (candidacy.version, candidacy.pitch_title, candidacy.structure.city) == (
            2, "Titre du collègue", "Argenteuil")
    assert by_label(at.text_input, "Ville *").value == "Cergy"  # what the user typed is still there

    at = open_form(setting["a"], id=candidacy_id)  # reloading shows the colleague's version, which saves fine
    assert by_label(at.text_input, "Titre *").value == "Titre du collègue"
    by_label(at.text_input, "Ville *").input("Cergy")
    at = click(at, SAVE_CHANGES)
    no_exception(at)
    assert texts(at.success) == ["Candidature enregistrée."]
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        assert (candidacy.version, candidacy.pitch_title, candidacy.structure.city) == (3, "Titre du collègue", "Cergy")


def test_candidature_edit_of_a_submitted_candidacy_keeps_it_submitted_without_a_second_ack(setting):
    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form())
    at = open_form(setting["a"], id=candidacy_id)
    by_label(at.text_input, "Titre *").input("Nouveau titre")
    at = click(at, SAVE_CHANGES)
    no_exception(at)
    assert texts(at.success) == ["Candidature enregistrée."]
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        assert (candidacy.submission, candidacy.pitch_title, candidacy.version) == (
            Submission.SUBMITTED, "Nouveau titre", 2)
    assert count(OutboxMessage) == 1


# ---------------------------------------------------------------- withdrawal


def test_candidature_withdraw_needs_a_reason_then_withdraws(setting):
    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form())
    at = open_form(setting["a"], id=candidacy_id)
    at = click(at, "Retirer la candidature")
    no_exception(at)
    expander = at.expander[0]
    assert message_after(expander, "Raison du retrait *") == red("Indiquez la raison du retrait.")
    with read_only() as session:
        assert session.get(Candidacy, candidacy_id).submission == Submission.SUBMITTED

    by_label(at.text_area, "Raison du retrait *").input("La structure n'est pas disponible ce jour-là.")
    at = click(at, "Retirer la candidature")
    no_exception(at)
    assert texts(at.success) == ["Candidature retirée."]
    reason = "La structure n'est pas disponible ce jour-là."
    assert texts(at.info) == [f"Statut : **Retirée** — retirée : {escape_md(reason)}"]
    # Withdrawn, not closed: the network may submit it again, and can no longer withdraw it.
    assert texts(at.warning) == []
    assert "Déposer de nouveau" in [b.label for b in at.main.button]
    assert "Retirer la candidature" not in [b.label for b in at.main.button]
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        assert candidacy.submission == Submission.WITHDRAWN
        assert candidacy.withdrawal_reason == "La structure n'est pas disponible ce jour-là."


# ---------------------------------------------------------------- user text shown as text


MARKUP = "**gras** <script>x</script> [lien](http://x.example) $x$"


def test_candidature_user_text_with_markdown_and_html_is_shown_literally(setting):
    with unit_of_work() as session:
        call = session.get(Call, setting["call"])
        call.theme_title = MARKUP
        call.edition.title = "_Rencontre_ <b>97</b>"
    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form(name=MARKUP))
    save_through_core(setting["b"], setting["call"], complete_form(siret=siret_for(1), name="<i>Autre</i> *x*"))

    at = open_form(setting["a"], id=candidacy_id)
    no_exception(at)
    assert texts(at.title) == [f"Candidature — {escape_md(MARKUP)}"]
    assert texts(at.caption)[0].startswith(escape_md("_Rencontre_ <b>97</b> · clôture le "))
    assert by_label(at.text_input, "Nom de la structure *").value == MARKUP  # an input holds the raw text

    by_label(at.text_area, "Raison du retrait *").input("**urgent** <img src=x onerror=alert(1)>")
    at = click(at, "Retirer la candidature")
    no_exception(at)
    reason = escape_md("**urgent** <img src=x onerror=alert(1)>")
    assert texts(at.info) == [f"Statut : **Retirée** — retirée : {reason}"]

    # the referent's home: titles, captions and links escape the same text
    at = open_app(setting["a"])
    no_exception(at)
    assert texts(at.subheader) == [escape_md(MARKUP)]
    assert any(c.startswith(escape_md("_Rencontre_ <b>97</b> · clôture le ")) for c in texts(at.caption))
    links = [link.proto.label for link in at.main.get("page_link")]
    assert escape_md(f"{MARKUP} — Retirée") in links
    assert all("<script>" not in label and "**gras**" not in label for label in links)
    shown = every_text(at)
    assert MARKUP in shown  # raw in the table (a dataframe shows text as text)...
    assert "Autre" not in shown  # ...and nothing of the other network's candidacy


def test_candidature_prefill_notice_escapes_the_known_name(setting):
    save_through_core(setting["b"], setting["call"], complete_form(name=MARKUP), submit=False)
    at = open_form(setting["a"], appel=make_call(networks=(setting["a"].network_id,)))
    by_label(at.text_input, "SIRET *").input(SIRET).run()
    no_exception(at)
    assert texts(at.info) == [
        f"Structure connue : {escape_md(MARKUP)}. Ses informations ont été reprises, vérifiez-les."]


def test_candidature_prefill_from_a_structure_known_only_by_its_identity(setting):
    save_through_core(setting["b"], setting["call"], CandidacyForm(siret=SIRET, name="Esquisse", kind="ACI"),
                      submit=False)
    at = open_form(setting["a"], appel=make_call(networks=(setting["a"].network_id,)))
    by_label(at.text_input, "SIRET *").input(SIRET).run()
    no_exception(at)
    assert by_label(at.text_input, "Nom de la structure *").value == "Esquisse"
    assert by_label(at.selectbox, "Type de structure *").value == "ACI"
    assert by_label(at.selectbox, "Département *").value is None
    assert by_label(at.text_input, "Adresse *").value == ""
    assert by_label(at.multiselect, "Secteurs d'activité *").value == []


def test_candidature_multiselect_offers_no_english_select_all(setting):
    at = open_form(setting["a"], appel=setting["call"])
    assert at.multiselect and all(m.proto.select_all == 0 for m in at.multiselect)


@pytest.mark.parametrize("published, shown", [(False, "Déposée"), (True, "Retenue")])
def test_candidature_status_reads_the_same_in_the_list_and_on_the_page(setting, published, shown):
    from db.models import Deliberation, Publication

    candidacy_id = save_through_core(setting["a"], setting["call"], complete_form())
    with unit_of_work() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        candidacy.deliberation = Deliberation.SELECTED
        candidacy.publication = Publication.PUBLISHED if published else Publication.UNPUBLISHED
    home = open_app(setting["a"])
    assert list(home.dataframe[0].value["Statut"]) == [shown]
    assert [link.proto.label for link in home.get("page_link") if "Bâti" in link.proto.label] == [
        escape_md(f"Bâti'Insert 95 — {shown}")]
    page = open_form(setting["a"], id=candidacy_id)
    assert texts(page.info) == [f"Statut : **{shown}**"]
