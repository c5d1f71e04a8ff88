"""Network referent home: open calls with the time left, and the network's candidacies."""

import pandas as pd
import streamlit as st

from core.calls import listing
from core.calls.listing import Phase
from core.candidacies import read
from core.clock import PARIS, format_datetime, utcnow
from db.engine import read_only
from ui.forms import escape_md
from ui.session import require_actor
from ui.tables import show_table

actor = require_actor()
st.title(escape_md(actor.network_name))
now = utcnow()
with read_only() as session:
    invited = listing.calls_for_network(session, actor=actor)
    mine = read.list_for_network(session, actor=actor)


def candidacy_table(rows) -> pd.DataFrame:
    """The network's candidacies; the status is the outcome once published (core decides
    what is shown), with the waiting-list rank when there is one."""
    table = pd.DataFrame({
        "Structure": pd.Series([r.structure_name for r in rows], dtype="string"),
        "SIRET": pd.Series([r.siret for r in rows], dtype="string"),
        "Type": pd.Series([r.kind for r in rows], dtype="string"),
        "Département": pd.Series([r.departement for r in rows], dtype="string"),
        "Statut": pd.Series([r.status_label for r in rows], dtype="string"),
        "Rang en liste d'attente": pd.Series([r.published_rank for r in rows], dtype="Int64"),
        "Modifiée le": pd.to_datetime([r.updated_at for r in rows], utc=True).tz_convert(PARIS),
    })
    if table["Rang en liste d'attente"].isna().all():
        table = table.drop(columns="Rang en liste d'attente")
    return table


def time_left(call) -> str:
    left = call.closes_at - now
    days, hours = left.days, left.seconds // 3600
    return f"{days} j {hours} h" if days else f"{hours} h {left.seconds % 3600 // 60} min"


if not invited:
    st.info(f"{escape_md(actor.network_name)} n'est invité à aucun appel pour le moment.")
for call in invited:
    phase = call.phase(now)
    with st.container(border=True):
        st.subheader(escape_md(call.theme_title))
        st.caption(escape_md(f"{call.edition_title} · clôture le {format_datetime(call.closes_at)}"))
        if phase == Phase.OPEN:
            st.markdown(f"**Ouvert** — il reste {time_left(call)}.")
            st.page_link("pages/reseau/candidature.py", label="Proposer une structure", icon=":material/add:",
                         query_params={"appel": call.id})
        else:
            st.markdown(f"Ouvre le {format_datetime(call.opens_at)}." if phase == Phase.UPCOMING else "**Clos.**")
        rows = [c for c in mine if c.call_id == call.id]
        if rows:
            show_table(candidacy_table(rows), file_stem=f"candidatures-appel-{call.id}", column_config={
                "Rang en liste d'attente": st.column_config.NumberColumn(format="%d"),
                "Modifiée le": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")})
            for r in rows:
                rank = f" (rang {r.published_rank})" if r.published_rank is not None else ""
                st.page_link("pages/reseau/candidature.py",
                             label=escape_md(f"{r.structure_name} — {r.status_label}{rank}"),
                             icon=":material/edit:", query_params={"id": r.id})
        else:
            st.caption("Aucune candidature de votre réseau pour cet appel.")
