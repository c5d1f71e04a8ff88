"""Publication of a call's decisions: the decisions table and its exports, the publication in
one confirmed act, then the retained structures' answers (who has confirmed, the deadline,
the head of the waiting list proposed when a decline frees a place), revisions and the
promotion of the waiting list's head.

Every act runs in a callback with what the page showed (the preview's fingerprint, the
candidacy and its version, the head of the waiting list), never re-read at click time:
core refuses it if the decisions moved meanwhile. Its outcome is kept for the next run and
shown beside the field or the button concerned.
"""

from datetime import timedelta
from functools import partial

import streamlit as st

from core.clock import format_date, format_datetime, paris_to_utc, to_paris, utcnow
from core.errors import DomainError, ValidationFailed
from core.review import board
from core.selection import answers, confirmation, frames, publication
from core.selection.errors import UndecidedCandidacies
from db.engine import read_only, unit_of_work
from db.models import Deliberation
from ui.choices import sticky_selectbox
from ui.forms import escape_md
from ui.publication import (
    CONFIRMATION_COLUMNS,
    DECISION_COLUMNS,
    OUTCOMES,
    REVISED_TO,
    decisions_view,
    plural,
    show_answers,
    show_counts,
)
from ui.session import ended_since_drawn, require_actor
from ui.tables import download_buttons, show_table

actor = require_actor()
st.title("Publication des décisions")
with read_only() as session:
    calls = board.review_calls(session, actor=actor)
available = [c.id for c in calls if not c.draft]
if not available:
    st.info("Aucun appel publié pour le moment : les décisions se publient une fois l'appel clos.")
    st.stop()
call_id = sticky_selectbox("Appel", available, key="publication-call", labels={c.id: c.label for c in calls})
with read_only() as session:
    shown = publication.preview(session, actor=actor, call_id=call_id)
    frame = frames.decisions_frame(session, actor=actor, call_id=call_id)
    public = publication.published_ids(session, actor=actor, call_id=call_id)
    answered = answers.overview(session, actor=actor, call_id=call_id) if shown.published_at else None

KEY = f"publication-{call_id}"
MESSAGES, CONFIRMING, MARK = f"{KEY}-messages", f"{KEY}-confirming", f"{KEY}-mark"
REVISE, PROMOTE, DEADLINE = f"{KEY}-revise", f"{KEY}-promote", f"{KEY}-deadline"
state = st.session_state


def say(where: str, kind: str, text: str) -> None:
    """A message for the next run, shown at `where`: « field:… » in red under its field,
    otherwise with st.error / st.success / st.info. Messages add up until shown: after a
    double click, the first act's success stays beside the second one's refusal."""
    state.setdefault(MESSAGES, {}).setdefault(where, []).append((kind, text))


def show_message(where: str) -> None:
    for kind, text in state.get(MESSAGES, {}).pop(where, []):
        if kind == "field":
            st.markdown(f":red[{escape_md(text)}]")
        else:
            getattr(st, kind)(escape_md(text))


def session_ended(where: str) -> bool:
    return ended_since_drawn(actor, partial(say, where, "error"))


def refused(error: DomainError, fields: dict[str, str], section: str) -> None:
    """Each field's message under its field (`fields`: core's field → the page's), the rest above the button."""
    if isinstance(error, ValidationFailed):
        for field, message in error.errors.items():
            if field in fields:
                say(f"field:{fields[field]}", "field", message)
            else:
                say(section, "error", message)
    else:
        say(section, "error", error.message)


# ---------------------------------------------------------------- acts (callbacks)


def confirm_publication(fingerprint: str) -> None:
    if session_ended("publish"):
        return
    try:
        with unit_of_work() as session:
            result = publication.publish(session, actor=actor, call_id=call_id, fingerprint=fingerprint,
                                         undecided_as_not_selected=bool(state.get(MARK, False)))
    except UndecidedCandidacies as error:
        say("field:mark", "field", error.message)
        return
    except DomainError as error:
        refused(error, {}, "publish")
        return
    state.pop(CONFIRMING, None)
    if result.already_published:
        say("published", "info", "Ces décisions étaient déjà publiées : aucun nouveau message n'a été ajouté.")
    else:
        say("published", "success", f"Décisions publiées : {plural(result.queued, 'message mis', 'messages mis')} "
                                    "en file d'envoi, un par candidature.")


def revise(candidacy_id: int | None, shown_version: int | None) -> None:
    if session_ended("revise"):
        return
    if candidacy_id is None:
        say("revise", "error", "Choisissez la candidature à réviser.")
        return
    decision = state.get(f"{REVISE}-decision")
    try:
        with unit_of_work() as session:
            changed = publication.revise(
                session, actor=actor, candidacy_id=candidacy_id, expected_version=shown_version,
                decision=decision or "", reason=state.get(f"{REVISE}-reason", ""),
                rank=state.get(f"{REVISE}-rank") if decision == Deliberation.WAITLISTED else None)
    except DomainError as error:
        refused(error, {"decision": "revise-decision", "rank": "revise-rank", "reason": "revise-reason"}, "revise")
        return
    if not changed:
        say("revise", "info", "Cette candidature a déjà cette décision à ce rang : rien n'a changé, aucun message.")
        return
    state[f"{REVISE}-reason"] = state[f"{REVISE}-rank"] = ""
    say("revise", "success", "Décision révisée : le réseau la voit, et un message corrigé est en file d'envoi.")


def promote(head_id: int, head_version: int, head_name: str, default_reason: str) -> None:
    """Promote the head the page showed, for the reason typed, or the one the page proposed."""
    if session_ended("promote"):
        return
    typed = str(state.get(f"{PROMOTE}-reason") or "")
    try:
        with unit_of_work() as session:
            publication.promote_first(session, actor=actor, call_id=call_id,
                                      reason=typed if typed.strip() else default_reason,
                                      expected_head=(head_id, head_version))
    except DomainError as error:
        refused(error, {"reason": "promote-reason"}, "promote")
        return
    state[f"{PROMOTE}-reason"] = ""
    say("promote", "success", f"{head_name} est désormais retenue : un message est en file d'envoi.")


def save_deadline() -> None:
    if session_ended("deadline"):
        return
    day, at = state.get(f"{DEADLINE}-day"), state.get(f"{DEADLINE}-time")
    if day is None or at is None:
        say("field:deadline", "field", "Indiquez la date et l'heure limites de confirmation.")
        return
    try:
        with unit_of_work() as session:
            saved = confirmation.set_confirm_by(session, actor=actor, call_id=call_id, confirm_by=paris_to_utc(day, at))
    except DomainError as error:
        refused(error, {"confirm_by": "deadline"}, "deadline")
        return
    say("deadline", "success", f"Date limite de confirmation enregistrée : le {format_datetime(saved)}. Les liens "
                               "déjà envoyés restent valables jusque-là.")


# ---------------------------------------------------------------- the decisions

st.subheader("Décisions de l'appel")
if frame.empty:
    st.info("Aucune candidature déposée pour cet appel : il n'y a rien à publier.")
    st.stop()
show_table(decisions_view(frame, public), file_stem=None, column_config=DECISION_COLUMNS)
download_buttons(frames.decisions_export(frame).drop(columns="Score"), f"decisions-appel-{call_id}")

# ---------------------------------------------------------------- publish

if shown.published_at is None:
    st.subheader("Publier")
    st.caption("La publication rend les décisions visibles des réseaux, clôt les évaluations et met en file "
               "d'envoi un message par candidature. Ensuite, une décision ne change plus que par révision. Les "
               f"structures retenues ont {confirmation.CONFIRMATION_DAYS} jours pour confirmer (au plus tard la veille "
               "de la rencontre) ; vous pourrez changer cette date limite une fois les décisions publiées.")
    show_message("publish")
    if shown.still_open:
        st.info("L'appel reçoit encore des candidatures : ses décisions se publient après sa clôture.")
        st.stop()
    if state.get(CONFIRMING) is None:
        st.button("Publier les décisions…", icon=":material/publish:", type="primary", key=f"{KEY}-open",
                  on_click=lambda fingerprint=shown.fingerprint: state.update({CONFIRMING: fingerprint}))
        st.stop()
    with st.container(border=True):
        st.markdown("**Confirmer la publication de ces décisions**")
        if state[CONFIRMING] != shown.fingerprint:
            st.warning("Les décisions ont changé depuis l'ouverture de cette confirmation : vérifiez les nombres.")
        show_counts(shown.counts)
        if shown.undecided:
            who = plural(shown.undecided, "candidature déposée n'a", "candidatures déposées n'ont")
            st.warning(f"{who} pas de décision : décidez-en d'abord, ou cochez la case ci-dessous pour les publier "
                       "non retenues.")
            st.checkbox("Marquer les candidatures sans décision comme non retenues", key=MARK)
            show_message("field:mark")
        with st.container(horizontal=True):
            st.button("Confirmer la publication", type="primary", icon=":material/check:", key=f"{KEY}-confirm",
                      on_click=confirm_publication, args=(shown.fingerprint,))
            st.button("Annuler", key=f"{KEY}-cancel", on_click=lambda: state.pop(CONFIRMING, None))
    st.stop()

# ---------------------------------------------------------------- after publication

st.success(f"Décisions publiées le {format_datetime(shown.published_at)} : les réseaux voient le résultat de "
           "leurs candidatures.")
show_message("published")
show_counts({outcome: shown.counts[outcome] for outcome in OUTCOMES})

# ---------------------------------------------------------------- the retained structures' answers

st.subheader("Confirmation des structures retenues")
if answered.confirm_by is not None:
    st.caption(f"Les structures retenues confirment ou déclinent par leur lien personnel jusqu'au "
               f"{format_datetime(answered.confirm_by)}. Celles qui n'ont pas répondu reçoivent un rappel "
               f"{confirmation.REMINDER_DAYS_BEFORE} jours avant.")
show_answers(answered.counts)
show_table(answered.frame, file_stem=None, column_config=CONFIRMATION_COLUMNS, empty="Aucune candidature retenue.")
if answered.confirm_by is not None:
    local = to_paris(answered.confirm_by)
    state.setdefault(f"{DEADLINE}-day", local.date())
    state.setdefault(f"{DEADLINE}-time", local.time().replace(second=0, microsecond=0))
with st.form(f"{DEADLINE}-form", border=False):
    cols = st.columns(2)
    cols[0].date_input("Date limite de confirmation", key=f"{DEADLINE}-day", format="DD/MM/YYYY")
    cols[1].time_input("Heure limite", key=f"{DEADLINE}-time", step=timedelta(minutes=15))
    show_message("field:deadline")
    edition_day = format_date(answered.edition_day, weekday=True)
    st.caption(f"Au plus tard la veille de la rencontre du {escape_md(edition_day)} ; les liens déjà envoyés suivent "
               "la nouvelle date.")
    st.form_submit_button("Enregistrer la date limite", icon=":material/event:", on_click=save_deadline)
show_message("deadline")

# ---------------------------------------------------------------- promotion

st.subheader("Promouvoir la liste d'attente")
show_message("promote")
if answered.head is None:
    st.info("Personne en liste d'attente.")
elif answered.proposal is None:
    st.info(escape_md(f"En tête de la liste d'attente : {answered.head.name} ({answered.head.network}). Toutes les "
                      "places sont prises : elle vous sera proposée ici dès qu'une structure retenue déclinera, ou "
                      "qu'une révision libérera une place."))
else:
    head = answered.proposal
    if answered.confirm_by is not None and answered.confirm_by <= utcnow():
        st.warning("La date limite de confirmation est passée : reportez-la d'abord, sinon le lien envoyé à la "
                   "structure promue ne fonctionnera pas.")
    why = f" : {escape_md(answered.declined[-1])} a décliné sa présentation" if answered.declined else ""
    default_reason = (f"Place libérée : {answered.declined[-1]} a décliné sa présentation" if answered.declined
                      else "Place de présentation libre")
    with st.container(border=True):
        st.markdown(f"**Une place de présentation est libre**{why}. En tête de la liste d'attente : "
                    f"**{escape_md(head.name)}** ({escape_md(head.network)}) : la retenir lui envoie le message "
                    "« retenue » avec son lien de confirmation.")
        st.text_input("Raison de la promotion", key=f"{PROMOTE}-reason", max_chars=publication.REASON_LIMIT,
                      placeholder=f"vide : « {default_reason} »")
        show_message("field:promote-reason")
        st.button(f"Promouvoir {escape_md(head.name)}", type="primary", icon=":material/arrow_upward:",
                  key=f"{PROMOTE}-go", on_click=promote,
                  args=(head.candidacy_id, head.version, head.name, default_reason))

st.subheader("Réviser une décision")
st.caption("Le réseau voit aussitôt la nouvelle décision, et un message corrigé lui est envoyé ; la raison est "
           "gardée au journal.")
versions = dict(zip(frame["candidacy_id"].tolist(), frame["version"].tolist(), strict=True))
ranks = dict(zip(frame["candidacy_id"].tolist(), frame["waitlist_rank"].tolist(), strict=True))
labels = {}
for candidacy_id, name, network, deliberation in zip(frame["candidacy_id"], frame["name"], frame["network"],
                                                     frame["deliberation"], strict=True):
    rank = ranks[candidacy_id]
    where = f", rang {rank}" if deliberation == Deliberation.WAITLISTED and rank is not None else ""
    labels[int(candidacy_id)] = f"{name} — {network} ({Deliberation(deliberation).label}{where})"
chosen = sticky_selectbox("Candidature", list(labels), key=f"{REVISE}-id", labels=labels)
cols = st.columns([1, 1])
with cols[0]:
    decision = st.selectbox("Nouvelle décision", list(REVISED_TO), format_func=REVISED_TO.get,
                            key=f"{REVISE}-decision")
    show_message("field:revise-decision")
with cols[1]:
    if decision == Deliberation.WAITLISTED:
        st.text_input("Rang en liste d'attente", key=f"{REVISE}-rank", placeholder="vide : en fin de liste",
                      help="1 : tête de la liste d'attente ; les suivantes reculent d'un rang.")
        show_message("field:revise-rank")
st.text_area("Raison de la révision", key=f"{REVISE}-reason", max_chars=publication.REASON_LIMIT,
             placeholder="ex. désistement de la structure retenue")
show_message("field:revise-reason")
st.button("Réviser la décision", icon=":material/edit:", key=f"{REVISE}-go", on_click=revise,
          args=(chosen, versions.get(chosen)))
show_message("revise")
