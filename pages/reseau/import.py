"""Import many candidacies from a CSV or Excel file: template, preview with a per-row report, then save."""

import streamlit as st

from core import calls, importing, spreadsheet
from core.clock import utcnow
from core.errors import DomainError
from core.settings import settings
from db.engine import read_only, unit_of_work
from ui.forms import escape_md
from ui.session import require_actor

ACTIONS = {"create": "À créer", "update": "À mettre à jour", "error": "En erreur"}

actor = require_actor()
st.title("Importer des candidatures")
st.markdown(
    "Déposez le tableur de vos structures (CSV ou Excel). Rien n'est enregistré avant que vous "
    "ayez vu le rapport ligne par ligne et confirmé. Réimporter le même fichier met à jour les "
    "candidatures existantes au lieu d'en créer de nouvelles."
)
result = st.session_state.pop("import_result", None)
if result:
    st.success(result)

with read_only() as session:
    open_calls = [c for c in calls.calls_for_network(session, actor=actor) if c.phase(utcnow()) == "open"]
if not open_calls:
    st.info("Aucun appel ouvert pour votre réseau en ce moment.")
    st.stop()

call = st.selectbox("Appel à candidatures", open_calls, format_func=lambda c: c.theme_title)
cols = st.columns(2)
cols[0].download_button("Modèle Excel (.xlsx)", spreadsheet.template_xlsx(), "modele-candidatures.xlsx",
                        icon=":material/download:")
cols[1].download_button("Modèle CSV", spreadsheet.template_csv(), "modele-candidatures.csv", mime="text/csv",
                        icon=":material/download:")

limit = settings().import_max_bytes
# No `type=`: Streamlit would refuse another kind of file in English; read_rows says it in French.
upload = st.file_uploader(f"Fichier à importer (CSV ou XLSX, {limit // (1024 * 1024)} Mo au plus)",
                          key=f"upload:{st.session_state.get('imports_done', 0)}",
                          help="Glissez le fichier ici ou cliquez pour le choisir. Partez d'un des modèles "
                               "ci-dessus : une ligne par structure, les colonnes du modèle.")
mode = st.radio("Enregistrer les lignes valides comme", ["drafts", "submitted"], horizontal=True,
                format_func={"drafts": "brouillons", "submitted": "candidatures déposées"}.get)
if upload is None:
    st.stop()

submit = mode == "submitted"
# Reading and checking thousands of rows takes a second or two: done once per file,
# call and mode, not again on the rerun that the import button triggers.
checked_for = (upload.file_id, call.id, submit)
if st.session_state.get("import_checked_for") != checked_for:
    try:
        rows = spreadsheet.read_rows(upload.name, upload.getvalue(), max_bytes=limit)
        with read_only() as session:
            report = importing.preview(session, actor=actor, call_id=call.id, rows=rows, submit=submit)
    except DomainError as error:
        st.error(escape_md(error.message))
        st.stop()
    st.session_state.update(import_checked_for=checked_for, import_rows=rows, import_report=report)
rows, report = st.session_state["import_rows"], st.session_state["import_report"]

summary = st.columns(3)
summary[0].metric("À créer", report.created)
summary[1].metric("À mettre à jour", report.updated)
summary[2].metric("En erreur", report.rejected)
if report.errors:
    st.subheader("Erreurs à corriger")
    st.dataframe([{"Ligne": line, "Colonne": column, "Message": message} for line, column, message in report.errors],
                 hide_index=True, width="stretch")
with st.expander(f"Détail des {len(report.rows)} lignes"):
    st.dataframe([{"Ligne": r.line, "SIRET": r.siret, "Structure": r.name, "Action": ACTIONS[r.action]}
                  for r in report.rows], hide_index=True, width="stretch")

valid = report.created + report.updated
if valid == 0:
    st.warning("Aucune ligne valide à importer : corrigez le fichier puis déposez-le de nouveau.")
    st.stop()
label = f"Importer les {valid} ligne(s) valide(s)" + (f" et ignorer les {report.rejected} en erreur" if report.rejected else "")
if st.button(label, type="primary", icon=":material/upload:"):
    try:
        with unit_of_work() as session:
            done = importing.apply(session, actor=actor, call_id=call.id, rows=rows, submit=submit,
                                   source=upload.name, checked=report)
    except DomainError as error:
        st.error(escape_md(error.message))
        st.stop()
    st.session_state["imports_done"] = st.session_state.get("imports_done", 0) + 1  # empties the uploader
    for key in ("import_checked_for", "import_rows", "import_report"):
        st.session_state.pop(key, None)
    st.session_state["import_result"] = escape_md(
        f"Import terminé : {done.created} candidature(s) créée(s), {done.updated} mise(s) à jour, "
        f"{done.rejected} ligne(s) ignorée(s).")
    st.rerun()
