"""Directory of structures: every structure ever proposed, with its candidacies across editions."""

import streamlit as st

from core import structures
from db.engine import read_only
from ui.session import require_actor

actor = require_actor()
st.title("Annuaire des structures")
search = st.text_input("Rechercher (nom, SIRET, ville)", placeholder="ex. Bâti, 732829320, Argenteuil")
with read_only() as session:
    entries = structures.directory(session, actor=actor, search=search)
st.caption(f"{len(entries)} structure(s).")
st.dataframe(
    [
        {
            "Structure": e.name, "SIRET": e.siret, "Type": e.kind, "Département": e.departement or "",
            "Ville": e.city or "", "Secteurs": " ; ".join(e.sectors),
            "A déjà présenté": "Oui" if e.has_pitched else "",
            "Candidatures": " | ".join(c.label for c in e.candidacies),
        }
        for e in entries
    ],
    hide_index=True, width="stretch",
)
