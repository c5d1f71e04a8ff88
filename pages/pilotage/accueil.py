"""Project lead dashboard: the calls, and at a glance what arrived in the current ones."""

import streamlit as st

from core import calls, dashboard
from core.clock import utcnow
from db.engine import read_only
from ui.calls import calls_table
from ui.forms import escape_md
from ui.session import require_actor

actor = require_actor()
st.title("Tableau de bord")
now = utcnow()
with read_only() as session:
    rows = calls.list_calls(session, actor=actor)
    current = [c for c in rows if c.phase(now) in ("open", "upcoming")]
    figures = dashboard.breakdowns(session, actor=actor, call_ids=[c.id for c in current])

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
        cols = st.columns(3)
        with cols[0]:
            st.markdown("**Par réseau**")
            st.dataframe({"Réseau": list(figure.by_network), "Déposées": list(figure.by_network.values())},
                         hide_index=True, width="stretch")
        with cols[1]:
            st.markdown("**Par type de structure**")
            st.dataframe({"Type": list(figure.by_kind), "Déposées": list(figure.by_kind.values())},
                         hide_index=True, width="stretch")
        with cols[2]:
            st.markdown("**Par département**")
            st.dataframe({"Département": list(figure.by_departement),
                          "Déposées": list(figure.by_departement.values())}, hide_index=True, width="stretch")

st.subheader("Tous les appels")
calls_table(rows)
