"""Administration home: accounts and networks at a glance."""

import streamlit as st

from core.accounts import administration, networks
from db.engine import read_only
from ui.session import require_actor

actor = require_actor()
st.title("Administration")
with read_only() as session:
    account_rows = administration.list_accounts(session, actor=actor)
    network_rows = networks.list_networks(session, actor=actor)

active = [a for a in account_rows if a.active and not a.pending]
pending = [a for a in account_rows if a.active and a.pending]
columns = st.columns(3)
columns[0].metric("Comptes actifs", len(active))
columns[1].metric("Invitations en attente", len(pending))
columns[2].metric("Réseaux", sum(1 for n in network_rows if n.active))
st.page_link("pages/admin/comptes.py", label="Gérer les comptes et inviter", icon=":material/group:")
st.page_link("pages/admin/reseaux.py", label="Gérer les réseaux", icon=":material/hub:")
st.page_link("pages/admin/journal.py", label="Consulter le journal d'audit", icon=":material/history:")
