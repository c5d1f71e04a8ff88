"""Directory of structures: every structure ever proposed, with its candidacies across editions."""

import pandas as pd
import streamlit as st

from core.candidacies import directory
from core.reference import kind_label
from db.engine import read_only
from ui.forms import escape_md
from ui.session import require_actor
from ui.tables import show_table

LIMIT = 500
# Least widths (px), about 900 in all: the table fits beside the sidebar at 1,400 px, and
# with width="stretch" Streamlit shares out any extra room between the columns.
COLUMNS = {
    "Structure": st.column_config.TextColumn(width=200),
    "Type": st.column_config.TextColumn(width=50, help="EI, ACI, EA… (le détail de la structure donne le libellé)"),
    "Dépt": st.column_config.TextColumn(width=45),
    "Ville": st.column_config.TextColumn(width=105),
    "SIRET": st.column_config.TextColumn(width=120),
    "Candidatures": st.column_config.NumberColumn(width=95, format="%d", help="Déposées, toutes rencontres"),
    "A déjà présenté": st.column_config.CheckboxColumn(width=110),
    "Secteurs": st.column_config.ListColumn(width=170),
}
HISTORY_COLUMNS = {
    "Rencontre": st.column_config.NumberColumn(format="n° %d", width=90),
    "Date": st.column_config.DateColumn(format="DD/MM/YYYY", width=100),
    "Thème": st.column_config.TextColumn(width=330),
    "Réseau": st.column_config.TextColumn(width=180),
    "Issue": st.column_config.TextColumn(width=120),
}


def directory_frame(entries: list[directory.DirectoryEntry]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [[e.name, e.kind, e.departement, e.city, e.siret, len(e.candidacies), e.has_pitched, e.sectors]
         for e in entries],
        columns=list(COLUMNS),
    )
    return frame.astype({"Candidatures": "int64", "A déjà présenté": "bool"})


def history_frame(entry: directory.DirectoryEntry) -> pd.DataFrame:
    return pd.DataFrame(
        [[c.edition_number, c.event_date, c.theme_title, c.network_name, c.outcome] for c in entry.candidacies],
        columns=list(HISTORY_COLUMNS),
    )


actor = require_actor()
st.title("Annuaire des structures")
search = st.text_input("Rechercher (nom, SIRET, ville)", placeholder="ex. Bâti, 732829320, Argenteuil")
with read_only() as session:
    entries = directory.directory(session, actor=actor, search=search, limit=LIMIT)
st.caption(f"{len(entries)} structure(s)." if len(entries) < LIMIT else
           f"Les {LIMIT} premières structures par ordre alphabétique : précisez la recherche pour voir les autres.")
show_table(directory_frame(entries), file_stem="annuaire-structures", column_config=COLUMNS,
           empty="Aucune structure ne correspond à cette recherche.")

if entries:
    by_id = {e.id: e for e in entries}
    chosen = st.selectbox("Voir le détail d'une structure", list(by_id), index=None,
                          format_func=lambda i: f"{by_id[i].name} — {by_id[i].siret}", placeholder="Choisir")
    if chosen is not None:
        entry = by_id[chosen]
        st.subheader(escape_md(entry.name))
        st.caption(escape_md(f"{kind_label(entry.kind)} · SIRET {entry.siret} · {entry.city or ''} "
                             f"({entry.departement or '—'})"))
        show_table(history_frame(entry), file_stem=f"candidatures-{entry.siret}", column_config=HISTORY_COLUMNS,
                   empty="Aucune candidature déposée pour cette structure.")
