"""The review board: one row per submitted candidacy of a call, its scores, filters, search
and sort; a selected row opens its detail and its decision, several ticked rows get a
decision for all of them. Exports of the board and of every review."""

import pandas as pd
import streamlit as st

from core.permissions import Action, can
from core.review import board
from core.review.board import SORTS, BoardFilter
from db.engine import read_only
from ui.choices import sticky_selectbox
from ui.decisions import bulk_bar, decision_control, published_sentence, show_leftovers
from ui.forms import escape_md
from ui.review import (
    BOARD_SHOWN,
    REVIEW_COLUMNS,
    board_columns,
    board_view,
    earlier_table,
    history_table,
    reviews_table,
    reviews_view,
    show_facts,
)
from ui.session import require_actor
from ui.tables import download_buttons, show_table

REVIEWED = {None: "Toutes", True: "Évaluations complètes", False: "Évaluations incomplètes"}
BY_ME = {None: "Peu importe", True: "Évaluées par moi", False: "Pas encore évaluées par moi"}

actor = require_actor()
st.title("Évaluations")
with read_only() as session:
    calls = board.review_calls(session, actor=actor)
published = [c.id for c in calls if not c.draft]
if not published:
    st.info("Aucun appel publié pour le moment : le tableau des évaluations s'ouvre avec le premier appel.")
    st.stop()
call_id = sticky_selectbox("Appel", published, key="board-call", labels={c.id: c.label for c in calls})

with read_only() as session:
    result = board.board(session, actor=actor, call_id=call_id)
frame = result.frame
if result.closed:
    st.info("Les décisions de cet appel sont publiées : les évaluations ne changent plus.")
deciding = can(actor, Action.DECIDE)
cols = st.columns(4)
cols[0].metric("Candidatures déposées", len(frame))
cols[1].metric("Évaluations soumises", f"{int(frame['reviews_done'].sum())} / {int(frame['reviews_expected'].sum())}")
cols[2].metric("Entièrement évaluées", int(((frame["reviews_done"] >= frame["reviews_expected"])
                                              & (frame["reviews_expected"] > 0)).sum()))
cols[3].metric("Contestées (écart ≥ 2)", int(frame["contested"].sum()))

with st.expander("Filtres et tri", expanded=True):
    def options(column: str) -> list[str]:
        return sorted(set(frame[column].dropna()))

    cols = st.columns(4)
    networks = cols[0].multiselect("Réseau", options("network"), key=f"board-networks-{call_id}",
                                   placeholder="Tous", select_all=False)
    kinds = cols[1].multiselect("Type", options("kind"), key=f"board-kinds-{call_id}", placeholder="Tous",
                                select_all=False)
    departements = cols[2].multiselect("Département", options("departement"), key=f"board-departements-{call_id}",
                                       placeholder="Tous", select_all=False)
    sectors = cols[3].multiselect("Secteur", sorted({s for row in frame["sectors"] for s in row}),
                                  key=f"board-sectors-{call_id}", placeholder="Tous", select_all=False)
    cols = st.columns([2, 1, 1])
    search = cols[0].text_input("Rechercher (nom de la structure ou SIRET)", key=f"board-search-{call_id}",
                                placeholder="ex. Bâti, 732 829 320")
    reviewed = cols[1].selectbox("Avancement", list(REVIEWED), format_func=REVIEWED.get, key=f"board-done-{call_id}")
    by_me = cols[2].selectbox("Par moi", list(BY_ME), format_func=BY_ME.get, key=f"board-mine-{call_id}")
    cols = st.columns([1, 2])
    contested = cols[0].checkbox("Contestées seulement (écart ≥ 2)", key=f"board-contested-{call_id}")
    sort = cols[1].radio("Trier par", list(SORTS), format_func=SORTS.get, horizontal=True, key=f"board-sort-{call_id}",
                    help="La note pondérée applique les poids des critères ; le rang normalisé corrige les "
                         "évaluateurs plus sévères que d'autres. Un clic sur un en-tête trie aussi le tableau.")

filters = BoardFilter(networks=tuple(networks), kinds=tuple(kinds), departements=tuple(departements),
                      sectors=tuple(sectors), reviewed=reviewed, by_me=by_me, contested=contested, search=search)
shown = board.sort_board(board.filter_board(frame, filters), sort)
st.caption(f"{len(shown)} candidature(s) sur {len(frame)} — cochez une ligne pour voir son détail.")
st.caption("Cochez-en plusieurs pour leur donner la même décision. Les autres colonnes (médiane, moyennes par "
           "critère, type, département, secteurs, SIRET…) s'affichent par l'icône en forme d'œil au-dessus du tableau.")
# Streamlit keeps a ticked row by its position: once the rows change (a filter, the sort, a
# review landing), that position would be another candidacy. Forget the ticks then, in the
# browser too: only a grid under a new key is drawn without them (the old grid's ticks would
# come back with the next click, on rows the lead never ticked). Streamlit drops the old key's state.
order = tuple(int(i) for i in shown.index)
generation = st.session_state.get(f"board-generation-{call_id}", 0)
if st.session_state.get(f"board-order-{call_id}", order) != order:
    generation += 1
st.session_state[f"board-order-{call_id}"], st.session_state[f"board-generation-{call_id}"] = order, generation
picked = show_table(board_view(shown, result.criteria), file_stem=f"evaluations-appel-{call_id}",
                    column_config=board_columns(result.criteria), column_order=BOARD_SHOWN,
                    key=f"board-{call_id}" + (f"-{generation}" if generation else ""),
                    on_select="rerun",
                    selection_mode="multi-row", empty="Aucune candidature ne correspond à ces filtres.")
rows = list(picked.selection.rows) if picked is not None else []
ticked = shown.iloc[[r for r in rows if r < len(shown)]]
if len(ticked) > 1:
    st.info(f"{len(ticked)} candidatures sélectionnées : cochez-en une seule pour voir son détail.")
    if deciding and result.closed:
        published_sentence()
    elif deciding:
        bulk_bar(actor=actor, call_id=call_id, versions={int(i): int(v) for i, v in ticked["version"].items()})
if not result.reviews.empty:
    st.caption("Toutes les notes, une ligne par évaluation :")
    download_buttons(lambda: reviews_view(result.reviews, frame["structure"], result.criteria),
                     f"notes-appel-{call_id}")
if len(ticked) == 1:
    candidacy_id = int(ticked.index[0])
    with read_only() as session:
        detail = board.detail(session, actor=actor, candidacy_id=candidacy_id)
    st.divider()
    show_facts(detail.facts)
    if deciding and result.closed:
        published_sentence()
    elif deciding:
        row = ticked.iloc[0]
        decision_control(actor=actor, candidacy_id=candidacy_id, version=int(row["version"]),
                         deliberation=row["deliberation"],
                         rank=None if pd.isna(row["waitlist_rank"]) else int(row["waitlist_rank"]),
                         waitlist_size=int((frame["deliberation"] == "waitlisted").sum()))
    if detail.assignees:
        st.markdown(f"**Attribuée à** : {escape_md(', '.join(detail.assignees))}")
    st.markdown("**Évaluations**")
    show_table(reviews_table(detail.reviews, detail.criteria), file_stem=None, column_config=REVIEW_COLUMNS,
               empty="Aucune évaluation pour le moment.")
    st.markdown("**Historique**")
    show_table(history_table(detail), file_stem=None, empty="Aucune entrée.", column_config={
        "Quand": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", timezone="Europe/Paris"),
        "Changements": st.column_config.TextColumn(width="large")})
    st.markdown("**Candidatures de la structure aux autres appels**")
    show_table(earlier_table(detail), file_stem=None, empty="Aucune autre candidature.", column_config={
        "Rencontre": st.column_config.NumberColumn(format="n° %d", width=90),
        "Date": st.column_config.DateColumn(format="DD/MM/YYYY", width=100)})
show_leftovers()
