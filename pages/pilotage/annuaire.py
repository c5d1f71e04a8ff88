"""Directory of structures: every structure ever proposed, with its candidacies across editions."""

import streamlit as st

from core import structures
from core.reference import kind_label
from db.engine import read_only
from ui.forms import escape_md
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
            "Structure": e.name, "Type": e.kind, "Dépt": e.departement or "",
            "A déjà présenté": "Oui" if e.has_pitched else "", "Candidatures": len(e.candidacies),
            "Ville": e.city or "", "SIRET": e.siret, "Secteurs": " ; ".join(e.sectors),
        }
        for e in entries
    ],
    hide_index=True, width="stretch",
)

if entries:
    by_id = {e.id: e for e in entries}
    chosen = st.selectbox("Voir le détail d'une structure", list(by_id), index=None,
                          format_func=lambda i: f"{by_id[i].name} — {by_id[i].siret}", placeholder="Choisir")
    if chosen is not None:
        entry = by_id[chosen]
        st.subheader(escape_md(entry.name))
        st.caption(escape_md(f"{kind_label(entry.kind)} · SIRET {entry.siret} · {entry.city or ''} "
                             f"({entry.departement or '—'})"))
        if entry.candidacies:
            st.dataframe([{"Rencontre": f"n° {c.edition_number}", "Thème": c.theme_title, "Réseau": c.network_name,
                           "Issue": c.outcome} for c in entry.candidacies],
                         hide_index=True, width="stretch")
        else:
            st.info("Aucune candidature déposée pour cette structure.")
