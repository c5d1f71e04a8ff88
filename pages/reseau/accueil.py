"""Network referent home: open calls with the time left, and the network's candidacies."""

import streamlit as st

from core import calls, candidacies
from core.clock import format_datetime, utcnow
from db.engine import read_only
from ui.forms import escape_md
from ui.session import require_actor

actor = require_actor()
st.title(escape_md(actor.network_name))
now = utcnow()
with read_only() as session:
    invited = calls.calls_for_network(session, actor=actor)
    mine = candidacies.list_for_network(session, actor=actor)


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
        if phase == "open":
            st.markdown(f"**Ouvert** — il reste {time_left(call)}.")
            st.page_link("pages/reseau/candidature.py", label="Proposer une structure", icon=":material/add:",
                         query_params={"appel": call.id})
        else:
            st.markdown({"upcoming": f"Ouvre le {format_datetime(call.opens_at)}.", "closed": "**Clos.**"}[phase])
        rows = [c for c in mine if c.call_id == call.id]
        if rows:
            st.dataframe(
                [{"Structure": r.structure_name, "SIRET": r.siret, "Type": r.kind, "Département": r.departement or "",
                  "Statut": r.status_label, "Modifiée le": format_datetime(r.updated_at)} for r in rows],
                hide_index=True, width="stretch",
            )
            for r in rows:
                st.page_link("pages/reseau/candidature.py", label=escape_md(f"{r.structure_name} — {r.status_label}"),
                             icon=":material/edit:", query_params={"id": r.id})
        else:
            st.caption("Aucune candidature de votre réseau pour cet appel.")
