"""A reviewer's declared links with networks and structures: see them, declare one, withdraw one."""

import pandas as pd
import streamlit as st

from core.clock import PARIS
from core.review import reviewers
from db.engine import read_only, unit_of_work
from ui import forms
from ui.session import require_actor
from ui.tables import show_table

FORM = "lien"
NETWORK, STRUCTURE = "network", "structure"

actor = require_actor()
st.title("Mes liens d'intérêt")
st.markdown("Déclarez ici les réseaux et les structures avec lesquels vous avez un lien (emploi, mandat, "
            "famille, prestation…). Leurs candidatures ne vous sont alors plus montrées, attribuées ni comptées, "
            "dans tous les appels. La cheffe de projet voit les liens déclarés.")
notice = st.session_state.pop("links_notice", None)
if notice:
    st.success(notice)
with read_only() as session:
    mine = reviewers.my_conflicts(session, actor=actor)
    networks = reviewers.network_choices(session, actor=actor)

show_table(pd.DataFrame({
    "Lien avec": pd.Series([c.link for c in mine], dtype="object"),
    "Nature du lien": pd.Series([c.reason for c in mine], dtype="object"),
    "Déclaré le": pd.to_datetime([c.declared_at for c in mine], utc=True).tz_convert(PARIS),
}), file_stem=None, empty="Vous n'avez déclaré aucun lien.", column_config={
    "Déclaré le": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", timezone="Europe/Paris")})

st.subheader("Déclarer un lien")
forms.form_error(FORM)
kind = st.radio("Lien avec", [NETWORK, STRUCTURE], horizontal=True, key="link-kind",
                format_func={NETWORK: "Un réseau", STRUCTURE: "Une structure (SIRET)"}.get)
with st.form(f"{FORM}:{kind}", enter_to_submit=False):
    if kind == NETWORK:
        network_id = st.selectbox("Réseau", list(networks), format_func=networks.get, index=None,
                                  placeholder="Choisir…")
        forms.field_error(FORM, "network_id")
        siret = ""
    else:
        network_id = None
        siret = st.text_input("SIRET de la structure", placeholder="ex. 732 829 320 00074")
        forms.field_error(FORM, "siret")
    forms.field_error(FORM, "link")
    reason = st.text_area("Nature du lien (facultatif)")
    forms.field_error(FORM, "reason")
    if st.form_submit_button("Déclarer ce lien", type="primary"):
        def declare():
            with unit_of_work() as session:
                return reviewers.declare_conflict(session, actor=actor, network_id=network_id, siret=siret,
                                                  reason=reason)
        forms.submit(FORM, declare)
        st.session_state["links_notice"] = "Lien déclaré."
        st.rerun()

if mine:
    st.subheader("Retirer une déclaration")
    by_id = {c.id: c.link for c in mine}
    withdrawn = st.selectbox("Déclaration", list(by_id), format_func=by_id.get, index=None, placeholder="Choisir…",
                             key="link-withdraw")
    if withdrawn is not None and st.button("Retirer cette déclaration"):
        def withdraw():
            with unit_of_work() as session:
                reviewers.withdraw_conflict(session, actor=actor, conflict_id=withdrawn)
        forms.submit("lien-retrait", withdraw)
        st.session_state["links_notice"] = "Déclaration retirée."
        st.rerun()
    forms.form_error("lien-retrait")
    forms.field_error("lien-retrait", "conflict")
