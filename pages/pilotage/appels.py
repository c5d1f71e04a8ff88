"""Editions and their calls: create, edit, open, extend, close; live counts per network."""

from datetime import time, timedelta

import pandas as pd
import streamlit as st

from core.accounts import networks
from core.calls import calls, editions, listing
from core.calls.calls import DEFAULT_CRITERIA, CallData
from core.calls.editions import EditionData
from core.calls.listing import Phase
from core.clock import format_date, format_time, to_paris, utcnow
from core.departements import DEPARTEMENTS
from core.reference import ILE_DE_FRANCE, STRUCTURE_KINDS, kind_label
from db.engine import read_only, unit_of_work
from db.models import CallState
from ui import forms
from ui.choices import sticky_selectbox
from ui.format import when
from ui.session import require_actor, still_signed_in
from ui.tables import show_table

EDITION = "rencontre"
CALL = "appel"
NEW = 0


def whole(weight):
    """A weight as an int when it is a whole number; anything else (2.7, empty) is passed
    on as is, for core to refuse with its message, never truncated."""
    if weight is None or weight != weight:  # empty cell (None or NaN)
        return 0
    return int(weight) if float(weight).is_integer() else weight


def choose_next(choice: str, record_id: int) -> None:
    """Select `record_id` (just saved) in the choice box `choice` on the next run: a widget's
    state cannot change once it is drawn in this run."""
    st.session_state[f"next:{choice}"] = record_id


def apply_next_choice(choice: str) -> None:
    if f"next:{choice}" in st.session_state:
        st.session_state[choice] = st.session_state.pop(f"next:{choice}")


actor = require_actor()
st.title("Rencontres et appels")
notice = st.session_state.pop("calls_notice", None)
if notice:
    st.success(notice)

with read_only() as session:
    edition_rows = editions.list_editions(session, actor=actor)
    summaries = listing.list_calls(session, actor=actor)
    network_rows = networks.list_networks(session, actor=actor, active_only=True)
by_edition = {e.id: e for e in edition_rows}
# Keyed choices keep what the user picked when another lead adds an edition or a call
# meanwhile (unkeyed, the widget would start again on the first item and the forms
# below would act on it).
apply_next_choice("chosen_edition")
edition_labels = {NEW: "➕ Nouvelle rencontre", **{
    i: f"n° {e.number} — {e.title} ({format_date(e.event_date)})" for i, e in by_edition.items()}}
edition_id = sticky_selectbox("Rencontre", [NEW, *by_edition], index=1 if edition_rows else 0, key="chosen_edition",
                              labels=edition_labels)
edition = by_edition.get(edition_id)
edition_version = forms.opened_version(f"edition:{edition_id}", edition.version if edition else None)

# A refused save reruns the page: its message is shown above the expander, opened on the fields.
forms.form_error(EDITION)
with st.expander("Nouvelle rencontre" if edition is None else "Modifier la rencontre",
                 expanded=edition is None or bool(forms.errors(EDITION))):
    next_number = edition_rows[0].number + 1 if edition_rows else 1
    current = edition.data if edition else EditionData(number=next_number, title="", event_date=None,
                                                       start_time=time(9), end_time=time(12, 30))
    with st.form(f"{EDITION}:{edition_id}", enter_to_submit=False):
        cols = st.columns([1, 3])
        with cols[0]:
            number = st.number_input("Numéro *", min_value=1, max_value=editions.MAX_NUMBER, step=1,
                                     value=current.number)
            forms.field_error(EDITION, "number")
        with cols[1]:
            title = st.text_input("Titre *", value=current.title)
            forms.field_error(EDITION, "title")
        cols = st.columns(3)
        with cols[0]:
            day = st.date_input("Date *", value=current.event_date, format="DD/MM/YYYY")
            forms.field_error(EDITION, "event_date")
        with cols[1]:
            start = st.time_input("Début *", value=current.start_time, step=timedelta(minutes=15))
            forms.field_error(EDITION, "start_time")
        with cols[2]:
            end = st.time_input("Fin *", value=current.end_time, step=timedelta(minutes=15))
            forms.field_error(EDITION, "end_time")
        venue = st.text_input("Lieu", value=current.venue)
        forms.field_error(EDITION, "venue")
        address = st.text_input("Adresse", value=current.address)
        forms.field_error(EDITION, "address")
        city = st.text_input("Ville d'accueil *", value=current.city)
        forms.field_error(EDITION, "city")
        description = st.text_area("Description", value=current.description)
        forms.field_error(EDITION, "description")
        save_edition = st.form_submit_button("Enregistrer la rencontre", type="primary")
    if save_edition:
        data = EditionData(number=int(number), title=title, event_date=day, start_time=start, end_time=end,
                           venue=venue, address=address, city=city, description=description)

        def store_edition():
            with unit_of_work() as session:
                return editions.save_edition(session, actor=actor, data=data,
                                             edition_id=edition.id if edition else None,
                                             expected_version=edition_version)
        choose_next("chosen_edition", forms.submit(EDITION, store_edition, record=f"edition:{edition_id}"))
        st.session_state["calls_notice"] = "Rencontre enregistrée."
        st.rerun()

if edition is None:
    st.stop()

st.header(f"Appels de la rencontre n° {edition.number}")
edition_calls = {c.id: c for c in summaries if c.edition_id == edition.id}
apply_next_choice(f"chosen_call:{edition.id}")
call_labels = {NEW: "➕ Nouvel appel", **{
    i: f"{c.theme_title} — {c.phase(utcnow()).label}" for i, c in edition_calls.items()}}
call_id = sticky_selectbox("Appel", [NEW, *edition_calls], index=1 if edition_calls else 0,
                           key=f"chosen_call:{edition.id}", labels=call_labels)
detail = None
if call_id != NEW:
    with read_only() as session:
        detail = calls.call_detail(session, actor=actor, call_id=call_id)
    phase = edition_calls[call_id].phase(utcnow())
    st.markdown(f"**{phase.label}** — ouverture {when(detail.opens_at)}, "
                f"clôture {when(detail.closes_at)}")
    st.subheader("Candidatures par réseau")

    @st.fragment(run_every="30s")
    def live_counts() -> None:
        """Refreshed every 30 seconds while the page is open, as long as its session lives."""
        if not still_signed_in(actor):
            st.warning("Votre session a expiré ou a changé : rechargez la page.")
            return
        with read_only() as session:
            counts = listing.submission_counts(session, actor=actor, call_id=call_id)
        show_table(pd.DataFrame({
            "Réseau": pd.Series([c.network_name for c in counts], dtype="string"),
            "Brouillons": pd.Series([c.drafts for c in counts], dtype="Int64"),
            "Déposées": pd.Series([c.submitted for c in counts], dtype="Int64"),
            "Retirées": pd.Series([c.withdrawn for c in counts], dtype="Int64"),
        }), file_stem=f"candidatures-par-reseau-{call_id}", empty="Aucun réseau invité à cet appel.")
        st.caption(f"Mis à jour à {format_time(utcnow())}.")

    live_counts()
    cols = st.columns(3)
    forms.form_error("etat_appel")
    forms.field_error("etat_appel", "invited_networks")
    forms.field_error("etat_appel", "state")

    def transition(change, message):
        def run():
            with unit_of_work() as session:
                change(session)
        # The change bumps the call's version: the call form starts again from the stored call.
        forms.submit("etat_appel", run, record=f"call:{call_id}")
        st.session_state["calls_notice"] = message
        st.rerun()

    # Only a draft is opened; an open or closed call is extended (« Prolonger » reopens a closed one).
    if detail.state == CallState.DRAFT and cols[0].button("Ouvrir l'appel", type="primary"):
        transition(lambda s: calls.open_call(s, actor=actor, call_id=call_id, expected_version=detail.version),
                   "Appel ouvert aux réseaux invités.")
    if detail.state != CallState.DRAFT:
        with cols[1].popover("Prolonger", icon=":material/update:"):
            new_day = st.date_input("Nouvelle date de clôture *", value=detail.data.closes_on + timedelta(days=7),
                                    format="DD/MM/YYYY")
            new_time = st.time_input("Heure *", value=detail.data.closes_time, step=timedelta(minutes=15))
            forms.field_error("etat_appel", "closes_at")  # here, not under the popover that would hide it
            if st.button("Prolonger jusqu'à cette date"):
                transition(lambda s: calls.extend_call(s, actor=actor, call_id=call_id, expected_version=detail.version,
                                                       closes_on=new_day, closes_time=new_time), "Appel prolongé.")
    if phase == Phase.OPEN:
        with cols[2].popover("Clore maintenant", icon=":material/lock:"):
            st.markdown("Les réseaux ne pourront plus déposer ni modifier de candidature. "
                        "Vous pourrez rouvrir l'appel en le prolongeant.")
            if st.button("Confirmer la clôture", type="primary"):
                transition(lambda s: calls.close_call(s, actor=actor, call_id=call_id, expected_version=detail.version),
                           "Appel clos : les candidatures ne sont plus modifiables.")

call_version = forms.opened_version(f"call:{call_id}", detail.version if detail else None)
network_names = {n.id: n.name for n in network_rows}
today = to_paris(utcnow()).date()
current = detail.data if detail else CallData(
    edition_id=edition.id, theme_title="", opens_on=today, opens_time=time(9), closes_on=today + timedelta(days=30),
    closes_time=time(18), pitch_slots=5, pitch_minutes=5, eligible_kinds=tuple(STRUCTURE_KINDS),
    eligible_departements=tuple(ILE_DE_FRANCE), invited_network_ids=tuple(network_names))
forms.form_error(CALL)
with st.expander("Nouvel appel" if detail is None else "Modifier l'appel",
                 expanded=detail is None or bool(forms.errors(CALL))):
    with st.form(f"{CALL}:{edition.id}:{call_id}", enter_to_submit=False):
        theme = st.text_input("Thème *", value=current.theme_title)
        forms.field_error(CALL, "theme_title")
        theme_description = st.text_area("Description du thème", value=current.theme_description)
        forms.field_error(CALL, "theme_description")
        cols = st.columns(4)
        with cols[0]:
            opens_on = st.date_input("Ouverture *", value=current.opens_on, format="DD/MM/YYYY")
            forms.field_error(CALL, "opens_at")
        opens_time = cols[1].time_input("à *", value=current.opens_time, step=timedelta(minutes=15), key="opens_time")
        with cols[2]:
            closes_on = st.date_input("Clôture *", value=current.closes_on, format="DD/MM/YYYY")
            forms.field_error(CALL, "closes_at")
        closes_time = cols[3].time_input("à *", value=current.closes_time, step=timedelta(minutes=15),
                                         key="closes_time")
        cols = st.columns(2)
        slots = cols[0].number_input("Nombre de présentations express *", min_value=1, max_value=50,
                                     value=current.pitch_slots)
        minutes = cols[1].number_input("Durée d'une présentation (minutes) *", min_value=1, max_value=60,
                                       value=current.pitch_minutes)
        kinds = st.multiselect("Types de structures éligibles *", list(STRUCTURE_KINDS),
                               default=list(current.eligible_kinds), format_func=kind_label, placeholder="Choisir…",
                               select_all=False)
        forms.field_error(CALL, "eligible_kinds")
        departements = st.multiselect("Départements éligibles *", list(DEPARTEMENTS),
                                      default=list(current.eligible_departements),
                                      format_func=lambda c: f"{c} — {DEPARTEMENTS[c]}", placeholder="Choisir…",
                                      select_all=False)
        forms.field_error(CALL, "eligible_departements")
        invited = st.multiselect("Réseaux invités", list(network_names),
                                 default=[i for i in current.invited_network_ids if i in network_names],
                                 format_func=network_names.get, placeholder="Choisir…", select_all=False,
                                 help="Au moins un réseau pour ouvrir l'appel.",
                                 # Keyed: a network created meanwhile must not reset the lead's choice.
                                 key=f"invited:{edition.id}:{call_id}")
        forms.field_error(CALL, "invited_networks")
        st.markdown("**Critères d'évaluation \\*** (poids de 1 à 10)")
        # Weights given as floats: on an integer column Streamlit would truncate 2.7 to 2 unseen;
        # the column takes whole numbers only, and `whole` lets core refuse anything else.
        criteria = st.data_editor(
            [{"Critère": label, "Poids": float(weight)} for label, weight in current.criteria],
            num_rows="dynamic", width="stretch", key=f"criteria:{call_id}",
            column_config={"Critère": st.column_config.TextColumn("Critère", required=True, max_chars=200),
                           "Poids": st.column_config.NumberColumn("Poids", min_value=1, max_value=10, step=1,
                                                                  format="%d", required=True)})
        forms.field_error(CALL, "criteria")
        save_call = st.form_submit_button("Enregistrer l'appel", type="primary")
    if save_call:
        data = CallData(
            edition_id=edition.id, theme_title=theme, theme_description=theme_description, opens_on=opens_on,
            opens_time=opens_time, closes_on=closes_on, closes_time=closes_time, pitch_slots=int(slots),
            pitch_minutes=int(minutes), eligible_kinds=tuple(kinds), eligible_departements=tuple(departements),
            invited_network_ids=tuple(invited),
            criteria=tuple((str(row.get("Critère") or ""), whole(row.get("Poids"))) for row in criteria),
        )

        def store_call():
            with unit_of_work() as session:
                return calls.save_call(session, actor=actor, data=data, call_id=detail.id if detail else None,
                                       expected_version=call_version)
        choose_next(f"chosen_call:{edition.id}", forms.submit(CALL, store_call, record=f"call:{call_id}"))
        st.session_state["calls_notice"] = "Appel enregistré." + (
            "" if detail else " Il reste en brouillon : ouvrez-le quand il est prêt.")
        st.rerun()
st.caption(f"Critères proposés par défaut : {', '.join(label for label, _ in DEFAULT_CRITERIA)}.")
