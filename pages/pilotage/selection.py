"""Deliberation: the balance of the current decisions, the waiting list to reorder, and a
proposed balanced selection under the lead's limits, shown as changes before it is applied.

Every act runs in a callback with the ids and versions the page showed (never re-read at
click time), so core refuses it if the decisions moved meanwhile. A proposal is kept per
call with the fingerprint of the decisions it was made on, and dropped once they change:
« Appliquer » only ever applies the proposal on screen.
"""

import uuid
from functools import partial

import streamlit as st

from core.departements import DEPARTEMENTS
from core.errors import DomainError, ValidationFailed
from core.reference import SECTORS
from core.review import board
from core.selection import diff, waitlist
from core.selection.balance import balance
from core.selection.overview import SCORES, selection_view
from core.selection.proposal import DEFAULT_WAITLIST, Infeasible, parse_waitlist_size, propose_for_call
from db.engine import read_only, unit_of_work
from db.models import Deliberation
from ui.choices import sticky_selectbox
from ui.forms import escape_md
from ui.selection import (
    EACH,
    KIND_CHOICES,
    NONE,
    ROW_COLUMNS,
    WAITLIST_COLUMNS,
    current_waitlist_view,
    departement_row,
    kind_row,
    network_row,
    proposed_outcomes,
    proposed_waitlist_view,
    read_limits,
    rows_view,
    show_balance,
)
from ui.session import ended_since_drawn, require_actor
from ui.tables import show_table

actor = require_actor()
st.title("Sélection")
with read_only() as session:  # one read for the calls and the chosen one's decisions
    calls = board.review_calls(session, actor=actor)
    published_calls = [c.id for c in calls if not c.draft]
    if published_calls:
        call_id = sticky_selectbox("Appel", published_calls, key="selection-call",
                                   labels={c.id: c.label for c in calls})
        view = selection_view(session, actor=actor, call_id=call_id)
if not published_calls:
    st.info("Aucun appel publié pour le moment : la sélection s'ouvre avec le premier appel.")
    st.stop()

PROPOSAL, MESSAGES, WAIT = f"selection-proposal-{call_id}", f"selection-messages-{call_id}", f"selection-wait-{call_id}"
FORM = f"selection-form-{call_id}"
state = st.session_state


def say(where: str, kind: str, text: str) -> None:
    """A message for the next run, shown at `where` (a field or a section)."""
    state.setdefault(MESSAGES, {})[where] = (kind, text)


def show_message(where: str) -> None:
    kind, text = state.get(MESSAGES, {}).pop(where, (None, None))
    if kind == "field":
        st.markdown(f":red[{escape_md(text)}]")
    elif kind is not None:
        getattr(st, kind)(escape_md(text))


def show_field_message(field: str) -> None:
    show_message(f"field:{field}")


# ---------------------------------------------------------------- acts (callbacks)


def signed_out(where: str) -> bool:
    return ended_since_drawn(actor, partial(say, where, "error"))


def act_on_waitlist(move, candidacy_id: int, shown_version: int, **extra) -> None:
    if signed_out("waitlist"):
        return
    try:
        with unit_of_work() as session:
            move(session, actor=actor, candidacy_id=candidacy_id, expected_version=shown_version, **extra)
    except ValidationFailed as error:
        for field, message in error.errors.items():  # the rank beside its field, the others above the list
            say("field:wait-rank" if field == "rank" else "waitlist", "field" if field == "rank" else "error", message)
    except DomainError as error:
        say("waitlist", "error", error.message)


def set_rank(candidacy_id: int, shown_version: int) -> None:
    act_on_waitlist(waitlist.set_rank, candidacy_id, shown_version, rank=state.get(f"{WAIT}-rank", ""))


def make_proposal(shown_fingerprint: str) -> None:
    state.pop(PROPOSAL, None)  # a new request withdraws the former proposal, whatever becomes of this one
    form = {name: state.get(f"{FORM}-{name}") for name in (
        "score", "network", "kind1", "kind1-min", "kind1-max", "kind2", "kind2-min", "kind2-max",
        "dep", "dep-min", "dep-max", "sectors", "size")}
    rows = [network_row("network", form["network"]),
            kind_row("kind1", form["kind1"] or NONE, form["kind1-min"], form["kind1-max"]),
            kind_row("kind2", form["kind2"] or NONE, form["kind2-min"], form["kind2-max"]),
            departement_row("dep", form["dep"] or NONE, form["dep-min"], form["dep-max"])]
    score = form["score"] if form["score"] in SCORES else "weighted"
    errors = {}
    for check in (lambda: read_limits(rows, form["sectors"] or []), lambda: parse_waitlist_size(form["size"])):
        try:
            check()
        except ValidationFailed as error:  # every field's message at once, not the first refusal only
            errors.update(error.errors)
    if errors:
        for field, message in errors.items():
            say(f"field:{field}", "field", message)
        return
    try:
        limits = read_limits(rows, form["sectors"] or [])
        with read_only() as session:
            current = selection_view(session, actor=actor, call_id=call_id, score=score)
            if current.fingerprint != shown_fingerprint:
                say("proposal", "error", "Les décisions ont changé pendant que vous remplissiez le formulaire : "
                                         "vérifiez-les, puis proposez de nouveau.")
                return
            result = propose_for_call(session, actor=actor, call_id=call_id, candidates=current.candidates,
                                      limits=limits, waitlist_size=form["size"])
    except DomainError as error:
        reason = " ".join(error.errors.values()) if isinstance(error, ValidationFailed) else error.message
        say("proposal", "error", reason)
        return
    state[PROPOSAL] = {
        "fingerprint": current.fingerprint, "slots": current.pitch_slots, "token": uuid.uuid4().hex,
        "result": result, "score": score,
        "candidates": current.candidates,
        "diff": None if isinstance(result, Infeasible) else diff.diff(result, current.candidates),
    }


def apply_proposal(token: str) -> None:
    if signed_out("proposal"):
        return
    stored = state.pop(PROPOSAL, None)
    if stored is None or stored["token"] != token:
        say("proposal", "error", "Cette proposition n'est plus celle affichée : rien n'a été appliqué.")
        return
    proposal, changes = stored["result"], stored["diff"]
    try:
        with unit_of_work() as session:
            diff.apply_proposal(session, actor=actor, call_id=call_id, selected=proposal.selected,
                                waitlist=proposal.waitlist, expected_versions=changes.expected_versions,
                                description="; ".join(limit.describe() for limit in proposal.limits) or None)
    except DomainError as error:
        reason = " ".join(error.errors.values()) if isinstance(error, ValidationFailed) else error.message
        say("proposal", "error", f"{reason} La proposition n'a pas été appliquée.")
        return
    say("proposal", "success", f"Proposition appliquée : {len(proposal.selected)} candidature(s) retenue(s), "
                               f"{len(proposal.waitlist)} en liste d'attente.")


# ---------------------------------------------------------------- the page

cols = st.columns(4)
cols[0].metric("Places de présentation", view.pitch_slots)
cols[1].metric("Retenues", view.count(Deliberation.SELECTED))
cols[2].metric("Liste d'attente", view.count(Deliberation.WAITLISTED))
cols[3].metric("Sans décision", view.count(Deliberation.PENDING))
if view.published:
    st.info("Les décisions de cet appel sont publiées : la sélection ne se propose plus ici. Pour changer une "
            "décision, utilisez « Réviser » sur la page « Publication des décisions ».")

st.subheader("Équilibre des décisions actuelles")
show_balance(view.balance, what="Décisions actuelles", totals=False)

st.subheader("Liste d'attente")
show_message("waitlist")
listed = view.waitlist
show_table(current_waitlist_view(listed), file_stem=None, column_config={
    "Rang": st.column_config.NumberColumn(format="%d", width=70)}, empty="Personne en liste d'attente.")
if not listed.empty and not view.published:
    # The chosen one stays chosen once it left the list elsewhere (decided, withdrawn), named as it was
    # shown: the buttons then act on it, and core refuses, instead of on the list's head.
    seen = state.setdefault(f"{WAIT}-seen", {})
    seen.update({int(i): n for i, n in zip(listed["candidacy_id"], listed["name"], strict=True)})
    names = {i: f"{n} (n'est plus en liste d'attente)" for i, n in seen.items()}
    names.update({int(i): f"{int(r)}. {n}" for i, r, n in zip(listed["candidacy_id"], listed["waitlist_rank"],
                                                              listed["name"], strict=True)})
    cols = st.columns([3, 1, 1, 1, 1], vertical_alignment="bottom")
    with cols[0]:
        chosen = sticky_selectbox("Candidature à déplacer", listed["candidacy_id"].astype(int).tolist(),
                                  key=f"{WAIT}-chosen", labels=names)
    shown = (chosen, view.version_of(chosen))
    cols[1].button("Monter", icon=":material/arrow_upward:", key=f"{WAIT}-up", on_click=act_on_waitlist,
                   args=(waitlist.move_up, *shown), width="stretch")
    cols[2].button("Descendre", icon=":material/arrow_downward:", key=f"{WAIT}-down", on_click=act_on_waitlist,
                   args=(waitlist.move_down, *shown), width="stretch")
    with cols[3]:
        st.text_input("Nouveau rang", key=f"{WAIT}-rank", placeholder="ex. 1")
    cols[4].button("Placer à ce rang", key=f"{WAIT}-set", on_click=set_rank, args=shown, width="stretch")
    show_field_message("wait-rank")

if view.published:
    st.stop()

st.subheader("Proposer une sélection équilibrée")
stored = state.get(PROPOSAL)
if stored is not None and stored["fingerprint"] != view.fingerprint:
    state.pop(PROPOSAL)
    stored = None
    st.info("Les décisions ont changé depuis la proposition : elle a été retirée. Proposez de nouveau si besoin.")
elif stored is not None and stored["slots"] != view.pitch_slots:  # made for another number of places
    state.pop(PROPOSAL)
    stored = None
    st.info("Les places de présentation ont changé depuis la proposition : elle a été retirée. Proposez de "
            "nouveau si besoin.")

# The groups present, plus the ones asked already: a candidacy withdrawn meanwhile must not drop a
# constraint without a word (the proposal then says the group has nobody).
asked_dep, asked_sectors = state.get(f"{FORM}-dep"), set(state.get(f"{FORM}-sectors") or [])
departements = sorted({*view.departements, *([asked_dep] if asked_dep in DEPARTEMENTS else [])})
present = view.sectors | asked_sectors
sectors = [s for s in SECTORS if s in present]  # the reference's, in its order: what a limit accepts
with st.form(FORM):
    st.radio("Score à maximiser", list(SCORES), format_func=SCORES.get, key=f"{FORM}-score", horizontal=True,
             help="Celui du tableau des évaluations ; une candidature sans évaluation compte pour 0.")
    cols = st.columns(3)
    with cols[0]:
        st.text_input("Au plus … candidatures par réseau", key=f"{FORM}-network", placeholder="ex. 1")
        show_field_message("network.at_most")
    with cols[1]:
        st.text_input("Taille de la liste d'attente proposée", value=str(DEFAULT_WAITLIST), key=f"{FORM}-size")
        show_field_message("waitlist_size")
    for number in (1, 2):
        cols = st.columns([2, 1, 1])
        with cols[0]:
            st.selectbox(f"Type ou famille ({number})", list(KIND_CHOICES), format_func=KIND_CHOICES.get,
                         key=f"{FORM}-kind{number}")
            show_field_message(f"kind{number}.value")
            show_field_message(f"kind{number}.dimension")
        with cols[1]:
            st.text_input(f"Au moins (type ou famille {number})", key=f"{FORM}-kind{number}-min")
            show_field_message(f"kind{number}.at_least")
        with cols[2]:
            st.text_input(f"Au plus (type ou famille {number})", key=f"{FORM}-kind{number}-max")
            show_field_message(f"kind{number}.at_most")
    cols = st.columns([2, 1, 1])
    dep_choices = {NONE: "Aucune contrainte", EACH: "Chaque département", **{d: d for d in departements}}
    with cols[0]:
        st.selectbox("Département", list(dep_choices), format_func=dep_choices.get, key=f"{FORM}-dep")
        show_field_message("dep.value")
    with cols[1]:
        st.text_input("Au moins (département)", key=f"{FORM}-dep-min")
        show_field_message("dep.at_least")
    with cols[2]:
        st.text_input("Au plus (département)", key=f"{FORM}-dep-max")
        show_field_message("dep.at_most")
    st.multiselect("Au moins une candidature retenue dans chacun de ces secteurs", sectors, key=f"{FORM}-sectors",
                   placeholder="Aucun secteur imposé", select_all=False)
    show_field_message("sectors")
    st.form_submit_button("Proposer", type="primary", on_click=make_proposal, args=(view.fingerprint,))
show_message("proposal")

if stored is None:
    st.stop()
result = stored["result"]
if isinstance(result, Infeasible):
    st.error("Ces contraintes ne peuvent pas toutes être respectées :\n\n"
             + "\n".join(f"- {escape_md(message)}" for message in result.messages))
    st.stop()

changes = stored["diff"]
described = "; ".join(limit.describe() for limit in result.limits) or "aucune contrainte"
st.caption(f"Score maximisé : {SCORES[stored['score']].lower()}. Contraintes : {escape_md(described)}.")
cols = st.columns(3)
cols[0].metric("Score de la proposition", f"{changes.score:.2f}".replace(".", ","))
cols[1].metric("Score des retenues actuelles", f"{changes.current_score:.2f}".replace(".", ","))
cols[2].metric("Perdu par rapport aux meilleurs scores", f"{changes.score_lost:.2f}".replace(".", ","),
               help="Écart avec les candidatures aux meilleurs scores, sans aucune contrainte.")
for title, frame, empty in (("Entrent dans la sélection", changes.comes_in, "Personne n'entre."),
                            ("Sortent de la sélection", changes.goes_out, "Personne ne sort."),
                            ("Restent retenues", changes.stays, "Aucune retenue actuelle ne reste.")):
    st.markdown(f"**{title}**")
    show_table(rows_view(frame), file_stem=None, column_config=ROW_COLUMNS, empty=empty)
st.markdown("**Liste d'attente proposée**")
show_table(proposed_waitlist_view(changes), file_stem=None, column_config=WAITLIST_COLUMNS,
           empty="Liste d'attente vide.")
if changes.leaves_waitlist:
    st.warning("Des candidatures de la liste d'attente actuelle n'y sont plus : elles repasseront en attente "
               "de décision.")
with st.expander("Équilibre de la sélection proposée", expanded=True):
    show_balance(balance(proposed_outcomes(stored["candidates"], result), outcome="proposed"),
                 what="Sélection proposée")
if changes.changes_anything:
    st.button("Appliquer la proposition", type="primary", key=f"selection-apply-{call_id}", on_click=apply_proposal,
              args=(stored["token"],))
else:
    st.info("La proposition est identique aux décisions actuelles : rien à appliquer.")
