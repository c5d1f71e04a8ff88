"""Public programme: the latest published version of each upcoming edition, then the past
ones; no sign-in, readable on a phone; PDF, calendar and spreadsheet downloads."""

import streamlit as st

from core.clock import to_paris, utcnow
from core.programme.public import public_programmes
from db.engine import read_only
from ui.choices import sticky_selectbox
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
    # One past edition drawn at a time: the page stays as quick with 200 past editions as with one.
    st.header("Rencontres passées")
    by_number = {programme.edition_number: programme for programme in past}
    chosen = sticky_selectbox("Rencontre passée", list(by_number), key="programme-past",
                              labels={number: p.title for number, p in by_number.items()})
    if chosen in by_number:
        show_published(by_number[chosen], key=f"past-{chosen}")
