"""Public programme: the latest published version of each upcoming edition, then the past
ones; no sign-in, readable on a phone; PDF, calendar and spreadsheet downloads."""

import streamlit as st

from core.clock import to_paris, utcnow
from core.programme.public import latest_programme, public_programmes
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
    chosen = sticky_selectbox("Rencontre passée", [edition.number for edition in past], key="programme-past",
                              labels={edition.number: edition.title for edition in past})
    with read_only() as session:
        shown = latest_programme(session, edition_number=chosen) if chosen is not None else None
    if shown is not None:
        show_published(shown, key=f"past-{chosen}")
