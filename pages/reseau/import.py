"""Import many candidacies from a CSV or Excel file: template, preview with a per-row report, then save."""

import pandas as pd
import streamlit as st

from core.calls import listing
from core.calls.listing import Phase
from core.clock import format_datetime, utcnow
from core.errors import DomainError
from core.imports import plan, reader, template, write
from core.settings import settings
from db.engine import read_only, unit_of_work
from ui.choices import sticky_selectbox
from ui.forms import escape_md
from ui.session import require_actor
from ui.tables import show_table

ACTIONS = {"create": "À créer", "update": "À mettre à jour", "error": "En erreur"}
PREVIEW_KEYS = ("import_checked_for", "import_rows", "import_report")


def forget_preview() -> None:
    for key in PREVIEW_KEYS:
        st.session_state.pop(key, None)


def report_frames(report: plan.ImportPreview) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The preview as two typed tables: one row per line of the file, one per error."""
    rows = pd.DataFrame({
        "Ligne": pd.Series([r.line for r in report.rows], dtype="Int64"),
        "SIRET": pd.Series([r.siret for r in report.rows], dtype="string"),
        "Structure": pd.Series([r.name for r in report.rows], dtype="string"),
        "Action": pd.Series([ACTIONS[r.action] for r in report.rows], dtype="string"),
    })
    errors = pd.DataFrame({
        "Ligne": pd.Series([line for line, _, _ in report.errors], dtype="Int64"),
        "Colonne": pd.Series([column for _, column, _ in report.errors], dtype="string"),
        "Message": pd.Series([message for _, _, message in report.errors], dtype="string"),
    })
    return rows, errors


def show_report(rows: pd.DataFrame, errors: pd.DataFrame, *, stem: str) -> None:
    if len(errors):
        st.subheader("Erreurs à corriger")
        show_table(errors, file_stem=f"{stem}-erreurs")
    with st.expander(f"Détail des {len(rows)} lignes"):
        show_table(rows, file_stem=f"{stem}-lignes")

actor = require_actor()
st.title("Importer des candidatures")
st.markdown(
    "Déposez le tableur de vos structures (CSV ou Excel). Rien n'est enregistré avant que vous "
    "ayez vu le rapport ligne par ligne et confirmé. Réimporter le même fichier met à jour les "
    "candidatures existantes au lieu d'en créer de nouvelles."
)
now = utcnow()
with read_only() as session:
    network_calls = {c.id: c for c in listing.calls_for_network(session, actor=actor)}
open_ids = [i for i, c in network_calls.items() if c.phase(now) == Phase.OPEN]
outcome_box = st.container()  # the last import's report, until another file is chosen
if not open_ids and st.session_state.get("import_call") not in network_calls:
    st.info("Aucun appel ouvert pour votre réseau en ce moment.")
    st.stop()

# The preview, and the import, stay on the call chosen here even if it closes meanwhile:
# the page then says so rather than moving to another open call.
call = network_calls[sticky_selectbox("Appel à candidatures", open_ids, key="import_call",
                                      labels={i: c.theme_title for i, c in network_calls.items()})]
if call.phase(now) != Phase.OPEN:
    forget_preview()
    st.error(escape_md(f"L'appel « {call.theme_title} » est clos depuis le {format_datetime(call.closes_at)} : "
                       "l'import n'est plus possible et rien n'a été enregistré."))
    st.stop()
cols = st.columns(2)
cols[0].download_button("Modèle Excel (.xlsx)", template.template_xlsx(), "modele-candidatures.xlsx",
                        icon=":material/download:")
cols[1].download_button("Modèle CSV", template.template_csv(), "modele-candidatures.csv", mime="text/csv",
                        icon=":material/download:")

limit = settings().import_max_bytes
# No `type=`: Streamlit would refuse another kind of file in English; read_rows says it in French.
upload = st.file_uploader(f"Fichier à importer (CSV ou XLSX, {limit // (1024 * 1024)} Mo au plus)",
                          key=f"upload:{st.session_state.get('imports_done', 0)}",
                          max_upload_size=limit // (1024 * 1024),  # Streamlit says « Limit 5MB », as the label
                          help="Glissez le fichier ici ou cliquez pour le choisir. Partez d'un des modèles "
                               "ci-dessus : une ligne par structure, les colonnes du modèle.")
submit = st.radio("Enregistrer les lignes valides comme", [False, True], horizontal=True,
                  format_func={False: "brouillons", True: "candidatures déposées"}.get)
if upload is not None:
    st.session_state.pop("import_outcome", None)
outcome = st.session_state.get("import_outcome")
if outcome:
    with outcome_box:
        st.success(outcome["message"])
        with st.expander("Rapport de l'import", expanded=True):
            show_report(outcome["rows"], outcome["errors"], stem="rapport-import")
if upload is None:
    st.stop()

# Reading and checking thousands of rows takes a second or two: done once per file,
# call and mode, not again on the rerun that the import button triggers.
checked_for = (upload.file_id, call.id, submit)
if st.session_state.get("import_checked_for") != checked_for:
    try:
        rows = reader.read_rows(upload.name, upload.getvalue(), max_bytes=limit)
        with read_only() as session:
            report = plan.preview(session, actor=actor, call_id=call.id, rows=rows, submit=submit)
    except DomainError as error:
        forget_preview()
        st.error(escape_md(error.message))
        st.stop()
    st.session_state.update(import_checked_for=checked_for, import_rows=rows, import_report=report)
rows, report = st.session_state["import_rows"], st.session_state["import_report"]
_file, preview_call_id, preview_submit = st.session_state["import_checked_for"]

summary = st.columns(4)
summary[0].metric("À créer", report.created)
summary[1].metric("À mettre à jour", report.updated - report.unchanged)
summary[2].metric("Inchangées", report.unchanged)
summary[3].metric("En erreur", report.rejected)
for line, message in report.skipped:
    st.info(escape_md(f"Ligne {line} : {message}."))
row_table, error_table = report_frames(report)
show_report(row_table, error_table, stem="apercu-import")

valid = report.created + report.updated
if valid == 0:
    st.warning("Aucune ligne à importer : remplissez le modèle avec vos structures (la ligne d'exemple est ignorée)."
               if report.skipped and not report.rows else
               "Aucune ligne valide à importer : corrigez le fichier puis déposez-le de nouveau.")
    st.stop()
label = f"Importer les {valid} ligne(s) valide(s)" + (
    f" et ignorer les {report.rejected} en erreur" if report.rejected else "")
if st.button(label, type="primary", icon=":material/upload:"):
    try:
        with unit_of_work() as session:  # the call and mode the preview was made for, nothing else
            done = write.apply(session, actor=actor, call_id=preview_call_id, rows=rows, submit=preview_submit,
                               source=upload.name, checked=report)
    except DomainError as error:
        st.error(escape_md(error.message))
        st.stop()
    st.session_state["imports_done"] = st.session_state.get("imports_done", 0) + 1  # empties the uploader
    forget_preview()
    st.session_state["import_outcome"] = {
        "message": escape_md(
            f"Import terminé : {done.created} candidature(s) créée(s), {done.updated} mise(s) à jour, "
            f"{done.unchanged} inchangée(s), {done.rejected + len(done.skipped)} ligne(s) ignorée(s)."),
        "rows": row_table, "errors": error_table,
    }
    st.rerun()
