"""Reviewer home: the calls she reviews, with her progress in each."""

import pandas as pd
import streamlit as st

from core.review import sheet
from db.engine import read_only
from ui.session import require_actor
from ui.tables import show_table

actor = require_actor()
st.title("Évaluation")
st.markdown("Vous évaluez les candidatures déposées des appels pour lesquels la cheffe de projet vous a nommé·e, "
            "selon leurs critères, sur une échelle de 1 à 5.")
with read_only() as session:
    calls = sheet.my_calls(session, actor=actor)
if not calls:
    st.info("Vous n'évaluez aucun appel pour le moment.")
    st.stop()
show_table(pd.DataFrame({
    "Appel": pd.Series([c.theme_title for c in calls], dtype="object"),
    "Rencontre": pd.Series([f"n° {c.edition_number} — {c.edition_title}" for c in calls], dtype="object"),
    "Évaluées": pd.Series([c.done for c in calls], dtype="int64"),
    "À évaluer": pd.Series([c.expected for c in calls], dtype="int64"),
    "Avancement": pd.Series([c.done / c.expected if c.expected else None for c in calls], dtype="float64"),
    "Évaluations closes": pd.Series([c.closed for c in calls], dtype="bool"),
}), file_stem=None, column_config={  # widths that fit beside the sidebar at 1,400 px (about 940 px)
    "Appel": st.column_config.TextColumn(width=335),
    "Rencontre": st.column_config.TextColumn(width=185),
    "Évaluées": st.column_config.NumberColumn(format="%d", width=75),
    "À évaluer": st.column_config.NumberColumn(format="%d", width=80),
    "Avancement": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0, width=110),
    "Évaluations closes": st.column_config.CheckboxColumn(
        width=135, help="Décisions publiées : les évaluations ne changent plus."),
})
st.page_link("pages/evaluateur/evaluer.py", label="Évaluer les candidatures", icon=":material/rate_review:")
