"""Project lead dashboard: the editions and their calls."""

import streamlit as st

from core import calls
from db.engine import read_only
from ui.calls import calls_table
from ui.session import require_actor

actor = require_actor()
st.title("Tableau de bord")
with read_only() as session:
    rows = calls.list_calls(session, actor=actor)
if rows:
    st.subheader("Appels à candidatures")
    calls_table(rows)
else:
    st.info("Aucune rencontre n'est encore créée.")
