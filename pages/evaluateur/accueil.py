"""Reviewer home: the calls of the editions."""

import streamlit as st

from core.calls import listing
from db.engine import read_only
from ui.calls import calls_table
from ui.session import require_actor

actor = require_actor()
st.title("Évaluation")
st.markdown("Vous évaluez les candidatures des appels ci-dessous selon leurs critères.")
with read_only() as session:
    rows = listing.list_calls(session, actor=actor)
if rows:
    calls_table(rows)
else:
    st.info("Aucun appel à candidatures pour le moment.")
