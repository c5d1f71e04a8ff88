"""Audit log: who did what, when, from where; filterable."""

import streamlit as st

from core import audit
from core.audit import ACTION_LABELS, AuditFilter
from db.engine import read_only
from ui.audit import changes, object_label
from ui.format import when
from ui.session import require_actor

actor = require_actor()
st.title("Journal d'audit")

columns = st.columns([2, 2, 1, 1])
text = columns[0].text_input("Rechercher (personne, adresse IP, détail)")
actions = columns[1].multiselect("Actions", list(ACTION_LABELS), format_func=ACTION_LABELS.get,
                                 placeholder="Toutes")
since = columns[2].date_input("Du", value=None, format="DD/MM/YYYY")
until = columns[3].date_input("Au", value=None, format="DD/MM/YYYY")

with read_only() as session:
    entries = audit.list_entries(
        session, actor=actor, filters=AuditFilter(text=text, actions=tuple(actions), since=since, until=until)
    )

st.caption(f"{len(entries)} entrée(s), les plus récentes d'abord (500 au plus).")
st.dataframe(
    [
        {
            "Quand": when(e.at), "Qui": e.actor_label or "", "Action": ACTION_LABELS.get(e.action, e.action),
            "Objet": object_label(e.object_type, e.object_id),
            "Depuis": e.ip_address or "", "Détail": e.detail or "", "Changements": changes(e.before, e.after),
        }
        for e in entries
    ],
    hide_index=True, width="stretch",
)
