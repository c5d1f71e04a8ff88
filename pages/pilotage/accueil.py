"""Project lead dashboard: the calls, and at a glance what arrived in the current ones."""

import pandas as pd
import streamlit as st

from core import dashboard
from core.calls import listing
from core.calls.listing import Phase
from core.clock import utcnow
from core.review import board
from db.engine import read_only
from ui.calls import calls_table
from ui.charts import show_bars
from ui.forms import escape_md
from ui.review import progress_bars
from ui.session import require_actor
from ui.tables import download_buttons, show_table

TITLES = {"Réseau": "Par réseau", "Type": "Par type de structure", "Département": "Par département"}
# Least widths: three tables side by side fit at 1,400 px, and share out any extra room.
COUNTS = {heading: st.column_config.TextColumn(width=170) for heading in TITLES} | {
    "Déposées": st.column_config.NumberColumn(format="%d", width=90)}


def counts_frame(heading: str, counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({heading: list(counts), "Déposées": pd.Series(list(counts.values()), dtype="int64")})


def export_frame(parts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """The three breakdowns of a call as one table, for its export."""
    rows = [(TITLES[heading], key, count) for heading, counts in parts.items() for key, count in counts.items()]
    return pd.DataFrame(rows, columns=["Répartition", "Valeur", "Candidatures déposées"])


actor = require_actor()
st.title("Tableau de bord")
now = utcnow()
with read_only() as session:
    rows = listing.list_calls(session, actor=actor)
    current = [c for c in rows if c.phase(now) in (Phase.OPEN, Phase.UPCOMING)]
    figures = dashboard.breakdowns(session, actor=actor, call_ids=[c.id for c in current])
    progress = board.progress(session, actor=actor, call_ids=[c.id for c in rows])

if not rows:
    st.info("Aucune rencontre n'est encore créée : commencez par « Rencontres et appels ».")
    st.stop()

for call in current:
    figure = figures[call.id]
    with st.container(border=True):
        st.subheader(escape_md(call.theme_title))
        st.caption(escape_md(f"Rencontre n° {call.edition_number} — {call.edition_title}"))
        cols = st.columns(3)
        cols[0].metric("Candidatures déposées", figure.submitted)
        cols[1].metric("Brouillons en cours", figure.drafts)
        cols[2].metric("Présentations prévues", call.pitch_slots)
        parts = {"Réseau": figure.by_network, "Type": figure.by_kind, "Département": figure.by_departement}
        for column, (heading, counts) in zip(st.columns(3), parts.items(), strict=True):
            with column:
                st.markdown(f"**{TITLES[heading]}**")
                frame = counts_frame(heading, counts)
                show_table(frame, file_stem=None, column_config=COUNTS, empty="Aucune candidature déposée.")
                if frame["Déposées"].sum():  # bars of zero would say nothing the table does not
                    show_bars(frame, category=heading, value="Déposées", value_title="Candidatures déposées",
                              description=f"Candidatures déposées, {TITLES[heading].lower()}")
        download_buttons(export_frame(parts), f"repartition-rencontre-{call.edition_number}-appel-{call.id}")

reviewed = [c for c in rows if (progress["call_id"] == c.id).any()]
if reviewed:
    st.subheader("Avancement des évaluations")
for call in reviewed:
    part = progress[progress["call_id"] == call.id]
    with st.container(border=True):
        st.markdown(f"**{escape_md(call.theme_title)}** — rencontre n° {call.edition_number} : "
                    f"{int(part['done'].sum())} / {int(part['expected'].sum())} évaluations soumises")
        if part["expected"].sum():
            show_bars(progress_bars(part), category="Évaluateur", value="Évaluations", value_title="Évaluations",
                      colour="État", description=f"Évaluations soumises et à faire par évaluateur, {call.theme_title}")
        else:
            st.caption("Aucune évaluation attendue pour le moment (aucune candidature déposée).")

st.subheader("Tous les appels")
calls_table(rows, file_stem="appels")
