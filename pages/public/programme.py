"""Public programme: the latest published version of each upcoming edition, then the past
ones; no sign-in, readable on a phone; PDF, calendar and spreadsheet downloads."""

import streamlit as st

from core.clock import to_paris, utcnow
from core.programme.public import public_programmes
from db.engine import read_only
from ui.forms import escape_md
from ui.programme import show_published

st.title("Programme des rencontres")
with read_only() as session:
    upcoming, past = public_programmes(session, today=to_paris(utcnow()).date())

if not upcoming and not past:
    st.info("Aucun programme n'est encore publié. Revenez bientôt !")
for programme in upcoming:
    st.header(escape_md(programme.title))
    show_published(programme, key=f"upcoming-{programme.edition_number}")

if past:
    st.header("Rencontres passées")
    for programme in past:
        with st.expander(escape_md(programme.title)):
            show_published(programme, key=f"past-{programme.edition_number}")
