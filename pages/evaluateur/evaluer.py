"""The review form: a call she reviews, one of its candidacies shown whole, a 1–5 score per
criterion with what each level means, two comments; save a draft, submit, or submit and go
on to the next one. The others' reviews show once hers is submitted. She may abstain, or
declare a link with the network or the structure (the candidacy then leaves her list)."""

import streamlit as st

from core.errors import DomainError
from core.review import reviewers, reviews, sheet
from core.review.reviews import ReviewInput, score_field
from core.review.scoring import LEVELS
from db.engine import read_only, unit_of_work
from db.models import ReviewState
from ui import forms
from ui.choices import sticky_selectbox
from ui.forms import escape_md
from ui.review import REVIEW_COLUMNS, reviews_table, show_facts
from ui.session import require_actor
from ui.tables import show_table

FORM, ASIDE = "evaluation", "abstention"
SAVE, SUBMIT, NEXT = "draft", "submit", "next"
STATE_LABELS = {None: "à évaluer", ReviewState.DRAFT: "brouillon", ReviewState.SUBMITTED: "soumise",
                ReviewState.ABSTAINED: "abstention"}
ABSTAIN, NETWORK_LINK, STRUCTURE_LINK = "abstain", "network", "structure"

actor = require_actor()
st.title("Évaluer les candidatures")
notice = st.session_state.pop("review_notice", None)
if notice:
    st.success(notice)
with read_only() as session:
    calls = sheet.my_calls(session, actor=actor, progress=False)  # the progress shown is the chosen call's
if not calls:
    st.info("Vous n'évaluez aucun appel pour le moment : la cheffe de projet nomme les évaluateurs de chaque appel.")
    st.stop()
call_id = sticky_selectbox("Appel", [c.call_id for c in calls], key="review-call",
                           labels={c.call_id: f"{c.theme_title} — rencontre n° {c.edition_number}" for c in calls})
with read_only() as session:
    queue = sheet.queue(session, actor=actor, call_id=call_id)
st.progress(queue.done / queue.expected if queue.expected else 0.0, text=queue.progress)
if not queue.items:
    st.info("Aucune candidature à évaluer dans cet appel pour le moment.")
    st.stop()

choice = f"review-candidacy-{call_id}"
if f"next:{choice}" in st.session_state:  # chosen by « Enregistrer et suivante » in the run before
    st.session_state[choice] = st.session_state.pop(f"next:{choice}")
if st.session_state.get(choice) is None:
    with read_only() as session:
        first = sheet.next_candidacy(session, actor=actor, queue=queue)
    st.session_state[choice] = first or queue.items[0].candidacy_id
items = {i.candidacy_id: i for i in queue.items}
# Every label shown to her stays known: a candidacy that leaves her list while she is on it
# (withdrawn, unassigned) stays chosen, and the page says so instead of opening another one.
seen = st.session_state.setdefault(f"review-labels:{call_id}", {})
seen.update({i: f"{item.structure} — {item.network} ({STATE_LABELS[item.state]})" for i, item in items.items()})
candidacy_id = sticky_selectbox("Candidature", list(items), key=choice, labels=seen)
if candidacy_id not in items:
    st.warning("Cette candidature n'est plus à évaluer (retirée, ou vous avez déclaré un lien) : "
               "choisissez-en une autre.")
    st.stop()

try:
    with read_only() as session:
        found = sheet.sheet(session, actor=actor, candidacy_id=candidacy_id)
except DomainError as error:
    st.warning(error.message)
    st.stop()
show_facts(found.facts)
record = f"review:{candidacy_id}"
mine = found.mine
# The review as this tab first showed it: its version guards the save, and its state picks the
# buttons, so that a click in a tab left open while another saved is refused, not dropped.
version, opened_state = forms.opened_version(record, (mine.version, mine.state) if mine else (None, None))
submitted = opened_state == ReviewState.SUBMITTED
# Saved in another tab since this form was built: every save stays refused until she loads it.
stale = version != (mine.version if mine else None)

st.divider()
st.subheader("Mon évaluation")
if mine is not None and mine.state == ReviewState.ABSTAINED:
    st.info(f"Vous avez choisi de vous abstenir sur cette candidature : {escape_md(mine.abstention_reason)}. "
            "Vous pouvez encore l'évaluer ci-dessous.")
if found.closed:
    st.info("Les décisions de cet appel sont publiées : les évaluations ne changent plus.")


def field(name: str) -> str:
    return f"{name}:{candidacy_id}"


def following_after(current: int) -> int | None:
    """The next candidacy for her, read after her save (so it counts the review just given)."""
    with read_only() as session:
        return sheet.next_candidacy(session, actor=actor, queue=queue, after=current)


def go(action: str) -> None:
    scores = {c.id: st.session_state.get(field(f"score-{c.id}")) for c in found.criteria}
    data = ReviewInput(scores=scores, comment=st.session_state.get(field("comment"), ""),
                       shared_comment=st.session_state.get(field("shared"), ""))

    def save():
        with unit_of_work() as session:
            return reviews.save_review(session, actor=actor, candidacy_id=candidacy_id, data=data,
                                       submit=action != SAVE, expected_version=version)
    saved = forms.submit(FORM, save)
    st.session_state.pop(f"version:{record}", None)  # saved: the next run opens the new version
    following = following_after(candidacy_id) if action == NEXT else None
    if following is not None:
        st.session_state[f"next:{choice}"] = following
    st.session_state["review_notice"] = {SAVE: "Brouillon enregistré.", SUBMIT: "Évaluation soumise.",
                                         NEXT: "Évaluation soumise."}[action] + (
        "" if action != NEXT else " Voici la suivante." if following else " Vous avez tout évalué dans cet appel.")
    if saved.state == ReviewState.SUBMITTED and submitted:
        st.session_state["review_notice"] = "Révision enregistrée." + (" Voici la suivante." if following else "")
    st.rerun()


def load_saved() -> None:
    """Forget the version and values this tab opened: the form shows the saved review."""
    for key in [f"version:{record}", f"errors:{FORM}", field("comment"), field("shared"),
                *(field(f"score-{c.id}") for c in found.criteria)]:
        st.session_state.pop(key, None)


forms.form_error(FORM)
if stale:
    saved_scores = ", ".join(f"{c.label} : {mine.scores.get(c.id) or '—'}" for c in found.criteria) if mine else ""
    st.warning("Version enregistrée (" + (STATE_LABELS[mine.state] if mine else "aucune") + ")"
               + (f" : {escape_md(saved_scores)}" if saved_scores else "") + ". « Charger la version enregistrée » "
               "remplace ce que ce formulaire contient par elle.")
    st.button("Charger la version enregistrée", on_click=load_saved)
with st.form(f"{FORM}:{candidacy_id}", enter_to_submit=False):
    for criterion in found.criteria:
        key = field(f"score-{criterion.id}")
        if key not in st.session_state and mine is not None:
            st.session_state[key] = mine.scores.get(criterion.id)
        st.radio(f"{criterion.label} (poids {criterion.weight})", list(LEVELS), key=key, index=None,
                 format_func=lambda level: str(level), captions=[LEVELS[level].split(" — ", 1)[1] for level in LEVELS],
                 horizontal=True, disabled=found.closed, help=criterion.description,
                 persist_state="page")  # what she typed outlives a run where the form is not drawn
        forms.field_error(FORM, score_field(criterion.id))
    for name, stored, label, help_text in (
            ("comment", mine.comment if mine else None, "Commentaire pour la cheffe de projet",
             "Jamais communiqué au réseau ni à la structure."),
            ("shared", mine.shared_comment if mine else None, "Commentaire pouvant être partagé avec la structure",
             "Facultatif : un retour que la cheffe de projet pourra transmettre à la structure.")):
        if field(name) not in st.session_state:
            st.session_state[field(name)] = stored or ""
        st.text_area(label, key=field(name), help=help_text, disabled=found.closed, persist_state="page")
        forms.field_error(FORM, "comment" if name == "comment" else "shared_comment")
    cols = st.columns(3)
    if submitted:
        clicked = {SUBMIT: cols[0].form_submit_button("Enregistrer la révision", type="primary",
                                                      disabled=found.closed)}
    else:
        clicked = {SAVE: cols[0].form_submit_button("Enregistrer le brouillon", disabled=found.closed),
                   SUBMIT: cols[1].form_submit_button("Soumettre", type="primary", disabled=found.closed)}
    clicked[NEXT] = cols[2].form_submit_button("Enregistrer et suivante", disabled=found.closed,
                                               help="Soumet l'évaluation puis ouvre la candidature suivante à "
                                                    "évaluer (celle qui a le moins d'évaluations).")
for action, pressed in clicked.items():
    if pressed:
        go(action)

st.subheader("Les autres évaluations")
if found.others is None:
    st.caption("Elles s'affichent une fois votre évaluation soumise.")
else:
    show_table(reviews_table(found.others, found.criteria, states=False), file_stem=None,
               column_config=REVIEW_COLUMNS, empty="Aucune autre évaluation soumise pour le moment.")

if found.closed:
    st.stop()
with st.expander("Vous ne pouvez pas évaluer cette candidature ?", expanded=bool(forms.errors(ASIDE))):
    reasons = {ABSTAIN: "Je m'abstiens sur cette candidature",
               # Radio labels are markdown: what a network typed is escaped.
               NETWORK_LINK: f"J'ai un lien avec le réseau {forms.escape_md(found.facts.network)}",
               STRUCTURE_LINK: forms.escape_md(f"J'ai un lien avec la structure {found.facts.name} "
                                               f"(SIRET {found.facts.siret})")}
    forms.form_error(ASIDE)
    with st.form(f"{ASIDE}:{candidacy_id}", enter_to_submit=False):
        why = st.radio("Motif", list(reasons), format_func=reasons.get, key=field("aside-kind"))
        reason = st.text_area("Précisez (obligatoire pour une abstention)", key=field("aside-reason"))
        forms.field_error(ASIDE, "reason")
        st.caption("Un lien déclaré vaut pour tous les appels : ces candidatures ne vous sont plus montrées, "
                   "attribuées ni comptées. La cheffe de projet voit les liens déclarés.")
        confirmed = st.form_submit_button("Confirmer")
    if confirmed:
        def aside():
            with unit_of_work() as session:
                if why == ABSTAIN:
                    return reviews.abstain(session, actor=actor, candidacy_id=candidacy_id, reason=reason,
                                           expected_version=version)
                link = {"network_id": found.facts.network_id} if why == NETWORK_LINK else {"siret": found.facts.siret}
                return reviewers.declare_conflict(session, actor=actor, reason=reason, **link)
        forms.submit(ASIDE, aside)
        st.session_state.pop(f"version:{record}", None)
        following = following_after(candidacy_id)
        if following is not None:
            st.session_state[f"next:{choice}"] = following
        st.session_state["review_notice"] = "Abstention enregistrée." if why == ABSTAIN else "Lien déclaré."
        st.rerun()
