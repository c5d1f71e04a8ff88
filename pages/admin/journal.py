"""Audit log: who did what, when, from where; filterable."""

import pandas as pd
import streamlit as st

from core import audit
from core.audit import ACTION_LABELS, AuditFilter, hidden_actions
from db.engine import read_only
from ui.audit import changes, object_label, structure_label
from ui.session import require_actor
from ui.tables import show_table

actor = require_actor()
st.title("Journal d'audit")

columns = st.columns([2, 2, 1, 1])
text = columns[0].text_input("Rechercher (personne, adresse IP, structure, SIRET, détail)")
readable = [action for action in ACTION_LABELS if action not in hidden_actions(actor)]
actions = columns[1].multiselect("Actions", readable, format_func=ACTION_LABELS.get, placeholder="Toutes",
                                 select_all=False)
since = columns[2].date_input("Du", value=None, format="DD/MM/YYYY")
until = columns[3].date_input("Au", value=None, format="DD/MM/YYYY")

with read_only() as session:
    rows = audit.list_entries(
        session, actor=actor, filters=AuditFilter(text=text, actions=tuple(actions), since=since, until=until)
    )
    networks = audit.network_names(session, [row.entry for row in rows])

entries = [row.entry for row in rows]
table = pd.DataFrame({
    "Quand": pd.to_datetime([e.at for e in entries], utc=True).tz_convert("Europe/Paris"),
    "Qui": [e.actor_label or "" for e in entries],
    "Action": [ACTION_LABELS.get(e.action, e.action) for e in entries],
    "Objet": [object_label(e.object_type, e.object_id) for e in entries],
    "Structure": [structure_label(row.structure_name, row.siret) for row in rows],
    "Depuis": [e.ip_address or "" for e in entries],
    "Détail": [e.detail or "" for e in entries],
    "Changements": [changes(e.before, e.after, networks) for e in entries],
})
st.caption(f"{len(rows)} entrée(s), les plus récentes d'abord (500 au plus).")
show_table(
    table, file_stem="journal-audit", empty="Aucune entrée ne correspond à ces filtres.",
    column_config={
        "Quand": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm:ss", timezone="Europe/Paris"),
        "Changements": st.column_config.TextColumn(width="large"),
    },
)
