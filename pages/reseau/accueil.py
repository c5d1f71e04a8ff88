"""Network referent home: the calls its network is invited to."""

import streamlit as st

from core import calls
from db.engine import read_only
from ui.calls import calls_table
from ui.forms import escape_md
from ui.session import require_actor

actor = require_actor()
st.title(f"Réseau {escape_md(actor.network_name)}")
with read_only() as session:
    rows = calls.calls_for_network(session, actor=actor)
st.subheader("Appels à candidatures auxquels votre réseau est invité")
if rows:
    calls_table(rows)
else:
    st.info(f"{escape_md(actor.network_name)} n'est invité à aucun appel pour le moment.")
