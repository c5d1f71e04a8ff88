"""The reviewers of a call: name them, see their declared links and their progress,
distribute the candidacies (R reviewers each), change an assignment by hand."""

import pandas as pd
import streamlit as st

from core.clock import PARIS
from core.review import assignment, board, reviewers
from core.review.assignment import DEFAULT_PER_CANDIDACY, MAX_PER_CANDIDACY
from db.engine import read_only, unit_of_work
from ui import forms
from ui.choices import sticky_selectbox
from ui.session import require_actor
from ui.tables import show_table

NAMING, DISTRIBUTION, BY_HAND = "evaluateurs", "repartition", "attribution"

actor = require_actor()
st.title("Évaluateurs")
notice = st.session_state.pop("reviewers_notice", None)
if notice:
    st.success(notice)
with read_only() as session:
    calls = board.review_calls(session, actor=actor)
if not calls:
    st.info("Aucun appel pour le moment : créez-en un dans « Rencontres et appels ».")
    st.stop()
call_id = sticky_selectbox("Appel", [c.id for c in calls], key="reviewers-call", labels={c.id: c.label for c in calls})
call = next(c for c in calls if c.id == call_id)

with read_only() as session:
    people = reviewers.candidates(session, actor=actor)
    named = reviewers.reviewers_of(session, actor=actor, call_id=call_id)
    conflicts = reviewers.call_conflicts(session, actor=actor, call_id=call_id)
    progress = board.progress(session, actor=actor, call_ids=[call_id])
    current = board.board(session, actor=actor, call_id=call_id)


def done(message: str):
    st.session_state["reviewers_notice"] = message
    st.rerun()


# ---------------------------------------------------------------- naming
st.subheader("Personnes qui évaluent cet appel")
labels = {p.id: p.label for p in [*people, *named]}
forms.form_error(NAMING)
with st.form(f"{NAMING}:{call_id}", enter_to_submit=False):
    chosen = st.multiselect("Évaluateurs (comptes évaluateur, et vous-même si vous évaluez)", list(labels),
                            default=[p.id for p in named], format_func=labels.get, placeholder="Choisir…",
                            select_all=False)
    forms.field_error(NAMING, "reviewers")
    if st.form_submit_button("Enregistrer les évaluateurs", type="primary"):
        def name() -> None:
            with unit_of_work() as session:
                reviewers.set_reviewers(session, actor=actor, call_id=call_id, reviewer_ids=chosen)
        forms.submit(NAMING, name)
        done("Évaluateurs enregistrés.")

if not progress.empty:
    table = pd.DataFrame({"Évaluateur": progress["reviewer"], "Évaluées": progress["done"],
                          "Attendues": progress["expected"],
                          "Avancement": (progress["done"] / progress["expected"].where(progress["expected"] > 0))})
    show_table(table, file_stem=None, column_config={
        "Évaluées": st.column_config.NumberColumn(format="%d"), "Attendues": st.column_config.NumberColumn(format="%d"),
        "Avancement": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)})

st.subheader("Liens d'intérêt déclarés")
show_table(pd.DataFrame({
    "Évaluateur": pd.Series([c.reviewer for c in conflicts], dtype="object"),
    "Lien avec": pd.Series([c.link for c in conflicts], dtype="object"),
    "Nature du lien": pd.Series([c.reason for c in conflicts], dtype="object"),
    "Déclaré le": pd.to_datetime([c.declared_at for c in conflicts], utc=True).tz_convert(PARIS),
}), file_stem=None, empty="Aucun lien déclaré par les évaluateurs de cet appel.", column_config={
    "Déclaré le": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", timezone="Europe/Paris")})
st.caption("Un évaluateur ne voit, ne reçoit et ne compte jamais les candidatures du réseau ou de la structure "
           "avec lesquels il a déclaré un lien.")

if call.closed:
    st.info("Les décisions de cet appel sont publiées : la répartition ne change plus.")
    st.stop()

# ---------------------------------------------------------------- distribution
st.subheader("Répartition des candidatures")
if current.assigned_reviews is None:
    st.markdown("Sans répartition, chaque évaluateur peut évaluer chaque candidature déposée.")
else:
    st.markdown(f"Candidatures réparties : **{current.assigned_reviews}** évaluateur(s) par candidature.")
forms.form_error(DISTRIBUTION)
with st.form(f"{DISTRIBUTION}:{call_id}", enter_to_submit=False):
    per = st.number_input("Évaluateurs par candidature", min_value=1, max_value=MAX_PER_CANDIDACY, step=1,
                          value=current.assigned_reviews or DEFAULT_PER_CANDIDACY)
    forms.field_error(DISTRIBUTION, "per_candidacy")
    st.caption("La répartition équilibre la charge (à une candidature près quand c'est possible), respecte les "
               "liens déclarés et garde à chacun les candidatures qu'il a commencé à évaluer ; elle remplace les "
               "autres attributions, y compris celles faites à la main.")
    if st.form_submit_button("Répartir", type="primary"):
        def distribute():
            with unit_of_work() as session:
                return assignment.distribute(session, actor=actor, call_id=call_id, per_candidacy=int(per))
        result = forms.submit(DISTRIBUTION, distribute)
        short = f" {result.short} candidature(s) ont moins d'évaluateurs possibles que demandé." if result.short else ""
        done(f"{result.assignments} attribution(s) : "
             + ", ".join(f"{forms.escape_md(name)} {count}" for name, count in result.loads) + "." + short)
if current.assigned_reviews is not None and st.button("Arrêter la répartition (chacun évalue tout)"):
    def stop():
        with unit_of_work() as session:
            assignment.stop_assignment(session, actor=actor, call_id=call_id)
    forms.submit(DISTRIBUTION, stop)
    done("Répartition arrêtée : chaque évaluateur peut évaluer chaque candidature.")

if current.assigned_reviews is None or current.frame.empty:
    st.stop()

# ---------------------------------------------------------------- by hand
st.subheader("Changer une attribution")
frame = current.frame
names = {int(i): f"{row.structure} — {row.network}" for i, row in frame.iterrows()}
candidacy_id = sticky_selectbox("Candidature", list(names), key=f"assign-candidacy-{call_id}", labels=names)
forms.form_error(BY_HAND)
with st.form(f"{BY_HAND}:{call_id}:{candidacy_id}", enter_to_submit=False):
    assigned = st.multiselect("Évaluateurs de cette candidature", [p.id for p in named],
                              default=[i for i in frame.loc[candidacy_id, "assigned_ids"] if i in labels],
                              format_func=labels.get, placeholder="Choisir…", select_all=False)
    forms.field_error(BY_HAND, "reviewers")
    if st.form_submit_button("Enregistrer l'attribution"):
        def assign():
            with unit_of_work() as session:
                assignment.set_assignees(session, actor=actor, candidacy_id=candidacy_id, reviewer_ids=assigned)
        forms.submit(BY_HAND, assign)
        done("Attribution enregistrée.")
