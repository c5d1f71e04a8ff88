"""Candidacy form: one structure, one call. Draft, submit, edit until closing, withdraw."""

import streamlit as st

from core.calls import listing
from core.calls.listing import Phase
from core.candidacies import directory, read, saving
from core.candidacies.form import TEXT_FIELDS, CandidacyForm
from core.clock import format_datetime, utcnow
from core.departements import DEPARTEMENTS
from core.errors import DomainError
from core.reference import SECTORS, STRUCTURE_KINDS, kind_label
from db.engine import read_only, unit_of_work
from db.models import Submission
from ui import forms
from ui.session import require_actor

FORM = "candidature"
WITHDRAW = "retrait"
TEXT_KEYS = ["siret", "name", "address", "postcode", "city", "website", "insertion_workforce", "contact_name",
             "contact_email", "contact_phone", "presenter_name", "presenter_role", "pitch_title", "pitch_summary",
             "buyer_offer", "public_references"]
MAX_ID = 2**31 - 1  # the largest id SQLite and PostgreSQL integer columns both hold


def key(field: str) -> str:
    return f"{FORM}:{field}"


def limit(field: str) -> str:
    """The field's length limit, said in its help. No `max_chars`: the browser would drop a
    longer paste silently, where core says the limit and the length and keeps the text."""
    return f"{TEXT_FIELDS[field][1]:,} caractères au maximum.".replace(",", "\u202f")


def load_into_state(form: CandidacyForm) -> None:
    for field in [*TEXT_KEYS, "kind", "departement", "sectors", "consent_processing", "consent_sharing"]:
        st.session_state[key(field)] = getattr(form, field)


def fill_from_siret() -> None:
    """Known SIRET: fill the structure's identity from the directory."""
    with read_only() as session:
        known = directory.prefill_for_siret(session, actor=actor, siret=st.session_state.get(key("siret"), ""))
    if known is None:
        return
    for field in ["name", "address", "postcode", "city", "website", "insertion_workforce", "kind",
                  "departement", "sectors"]:
        st.session_state[key(field)] = getattr(known, field)
    st.session_state["prefilled"] = known.name


def id_param(name: str) -> int | None:
    """The URL parameter `name` as a row id: None when absent, 0 when it cannot be one
    (not a number, or beyond what the database stores), which finds nothing."""
    raw = st.query_params.get(name)
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID else 0


def typed_form() -> CandidacyForm:
    values = {field: st.session_state.get(key(field), "") or "" for field in [*TEXT_KEYS, "kind", "departement"]}
    return CandidacyForm(
        **values, sectors=st.session_state.get(key("sectors"), []),
        consent_processing=bool(st.session_state.get(key("consent_processing"))),
        consent_sharing=bool(st.session_state.get(key("consent_sharing"))),
    )


actor = require_actor()
call_id = id_param("appel")
candidacy_id = id_param("id")
view, call = None, None
try:
    with read_only() as session:
        view = read.get(session, actor=actor, candidacy_id=candidacy_id) if candidacy_id else None
        call_id = view.call_id if view else call_id
        if call_id:
            call = next((c for c in listing.calls_for_network(session, actor=actor) if c.id == call_id), None)
except DomainError:
    view, call = None, None
if candidacy_id is None and call_id is None:
    st.title("Nouvelle candidature")
    with read_only() as session:
        open_calls = [c for c in listing.calls_for_network(session, actor=actor) if c.phase(utcnow()) == Phase.OPEN]
    if not open_calls:
        st.info("Aucun appel ouvert pour votre réseau en ce moment.")
        st.stop()
    chosen = st.selectbox("Appel à candidatures", open_calls, format_func=lambda c: c.theme_title, index=None,
                          placeholder="Choisir un appel ouvert")
    if chosen is not None:
        st.query_params["appel"] = str(chosen.id)
        st.rerun()
    st.stop()
if call is None:
    st.error("Candidature ou appel introuvable.")
    st.page_link("pages/reseau/accueil.py", label="Retour à l'accueil", icon=":material/arrow_back:")
    st.stop()

st.title(f"Candidature — {forms.escape_md(call.theme_title)}")
st.caption(forms.escape_md(f"{call.edition_title} · clôture le {format_datetime(call.closes_at)}"))
st.page_link("pages/reseau/accueil.py", label="Retour à mes candidatures", icon=":material/arrow_back:")

# The version the user started editing from: a colleague's save meanwhile must make
# this user's save stale (StaleEdit), not silently reload the form under their typing.
# Streamlit drops the widgets' values when another page is shown: reload them then too.
loaded = ("id", view.id) if view else ("new", call_id)
if st.session_state.get("loaded_candidacy") != loaded or key("siret") not in st.session_state:
    load_into_state(view.form if view else CandidacyForm())
    st.session_state["loaded_candidacy"] = loaded
    st.session_state["loaded_version"] = view.version if view else None
    st.session_state["loaded_editable"] = view.editable if view else call.phase(utcnow()) == Phase.OPEN
    st.session_state.pop(f"errors:{FORM}", None)
loaded_version = st.session_state.get("loaded_version")

notice = st.session_state.pop("candidacy_notice", None)
if notice:
    st.success(notice)
if view:
    status = view.status_label
    st.info(f"Statut : **{status}**" + (f" — retirée : {forms.escape_md(view.withdrawal_reason)}"
                                        if view.withdrawal_reason else ""))
phase = call.phase(utcnow())
# A form opened while the call was open stays enabled until it is reloaded: if the call
# closes meanwhile, what the user typed stays readable and copyable, and the save
# reaches core, which refuses it with the French « clos » message.
editable = st.session_state["loaded_editable"]
if phase != Phase.OPEN or (view and not view.editable):
    st.warning(f"L'appel ouvre le {format_datetime(call.opens_at)} : la candidature pourra être saisie à partir de "
               "ce moment." if phase == Phase.UPCOMING else
               "Cette candidature n'est plus modifiable : l'appel est clos."
               + (" Votre saisie, non enregistrée, reste affichée ci-dessous pour que vous puissiez la copier."
                  if editable else ""))

forms.form_error(FORM)
st.subheader("La structure")
st.text_input("SIRET *", key=key("siret"), on_change=fill_from_siret, disabled=not editable,
              help="14 chiffres. Si la structure est déjà connue, ses informations sont reprises.")
forms.field_error(FORM, "siret")
prefilled = st.session_state.pop("prefilled", None)
if prefilled:
    st.info(f"Structure connue : {forms.escape_md(prefilled)}. Ses informations ont été reprises, vérifiez-les.")

with st.form(FORM, border=False, enter_to_submit=False):
    st.text_input("Nom de la structure *", key=key("name"), help=limit("name"), disabled=not editable)
    forms.field_error(FORM, "name")
    left, right = st.columns(2)
    with left:
        kinds = list(STRUCTURE_KINDS)
        st.selectbox("Type de structure *", kinds, key=key("kind"), format_func=kind_label, index=None,
                     placeholder="Choisir", disabled=not editable)
        forms.field_error(FORM, "kind")
    with right:
        st.text_input("Salariés en insertion", key=key("insertion_workforce"), disabled=not editable)
        forms.field_error(FORM, "insertion_workforce")
    st.text_input("Adresse *", key=key("address"), help=limit("address"), disabled=not editable)
    forms.field_error(FORM, "address")
    cols = st.columns([1, 2, 2])
    with cols[0]:
        st.text_input("Code postal *", key=key("postcode"), disabled=not editable)
        forms.field_error(FORM, "postcode")
    with cols[1]:
        st.text_input("Ville *", key=key("city"), help=limit("city"), disabled=not editable)
        forms.field_error(FORM, "city")
    with cols[2]:
        st.selectbox("Département *", list(DEPARTEMENTS), key=key("departement"), index=None,
                     format_func=lambda c: f"{c} — {DEPARTEMENTS[c]}", placeholder="Choisir", disabled=not editable)
        forms.field_error(FORM, "departement")
    st.text_input("Site internet", key=key("website"), disabled=not editable)
    forms.field_error(FORM, "website")
    st.multiselect("Secteurs d'activité *", SECTORS, key=key("sectors"), disabled=not editable,
                   placeholder="Choisir un ou plusieurs secteurs", select_all=False)
    forms.field_error(FORM, "sectors")

    st.subheader("Contact et présentation")
    cols = st.columns(3)
    for column, (field, label) in zip(cols, [("contact_name", "Nom du contact *"),
                                             ("contact_email", "E-mail du contact *"),
                                             ("contact_phone", "Téléphone du contact *")], strict=True):
        with column:
            st.text_input(label, key=key(field), disabled=not editable)
            forms.field_error(FORM, field)
    cols = st.columns(2)
    with cols[0]:
        st.text_input("Personne qui présentera *", key=key("presenter_name"), disabled=not editable)
        forms.field_error(FORM, "presenter_name")
    with cols[1]:
        st.text_input("Sa fonction", key=key("presenter_role"), disabled=not editable)
        forms.field_error(FORM, "presenter_role")

    st.subheader("La présentation express")
    st.text_input("Titre *", key=key("pitch_title"), help=limit("pitch_title"), disabled=not editable)
    forms.field_error(FORM, "pitch_title")
    st.text_area("Résumé *", key=key("pitch_summary"), help=limit("pitch_summary"), disabled=not editable)
    forms.field_error(FORM, "pitch_summary")
    st.text_area("Ce que la structure propose aux acheteurs sur ce thème *", key=key("buyer_offer"),
                 help=limit("buyer_offer"), disabled=not editable)
    forms.field_error(FORM, "buyer_offer")
    st.text_area("Références de marchés publics déjà obtenus", key=key("public_references"),
                 help=limit("public_references"), disabled=not editable)
    forms.field_error(FORM, "public_references")

    st.subheader("Accord de la structure")
    st.checkbox("La structure accepte le traitement de ses données pour cet appel à candidatures *",
                key=key("consent_processing"), disabled=not editable)
    forms.field_error(FORM, "consent_processing")
    st.checkbox("La structure accepte que sa candidature soit communiquée aux acheteurs publics *",
                key=key("consent_sharing"), disabled=not editable)
    forms.field_error(FORM, "consent_sharing")

    submitted_already = view is not None and view.submission == Submission.SUBMITTED
    buttons = st.columns(2)
    draft = buttons[0].form_submit_button("Enregistrer le brouillon", disabled=not editable or submitted_already)
    submit = buttons[1].form_submit_button(
        "Enregistrer les modifications" if submitted_already else
        ("Déposer de nouveau" if view and view.submission == Submission.WITHDRAWN else "Déposer la candidature"),
        type="primary", disabled=not editable)

if draft or submit:
    def save():
        with unit_of_work() as session:
            return saving.save(session, actor=actor, call_id=call_id, form=typed_form(), submit=bool(submit),
                               candidacy_id=view.id if view else None,
                               expected_version=loaded_version)
    saved_id = forms.submit(FORM, save)
    st.session_state["candidacy_notice"] = (
        "Candidature déposée : un accusé de réception est envoyé à votre réseau." if submit and not submitted_already
        else "Candidature enregistrée.")
    st.session_state.pop("loaded_candidacy", None)
    st.query_params.update({"id": str(saved_id)})
    st.query_params.pop("appel", None)
    st.rerun()

if view and view.editable and view.submission != Submission.WITHDRAWN:
    with st.expander("Retirer cette candidature"):
        forms.form_error(WITHDRAW)
        reason = st.text_area("Raison du retrait *", key="withdraw_reason", help="1 000 caractères au maximum.")
        forms.field_error(WITHDRAW, "reason")
        if st.button("Retirer la candidature", icon=":material/delete:"):
            def withdraw():
                with unit_of_work() as session:
                    saving.withdraw(session, actor=actor, candidacy_id=view.id,
                                    expected_version=loaded_version, reason=reason)
            forms.submit(WITHDRAW, withdraw)
            st.session_state["candidacy_notice"] = "Candidature retirée."
            st.session_state.pop("loaded_candidacy", None)
            st.rerun()
