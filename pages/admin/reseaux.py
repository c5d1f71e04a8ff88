"""Networks: list, create, edit."""

import pandas as pd
import streamlit as st

from core.accounts import networks
from core.accounts.networks import NetworkData
from db.engine import read_only, unit_of_work
from ui import forms
from ui.choices import sticky_selectbox
from ui.session import require_actor
from ui.tables import show_table

CREATE = "creation_reseau"
EDIT = "modification_reseau"

actor = require_actor()
st.title("Réseaux")
with read_only() as session:
    rows = networks.list_networks(session, actor=actor)

notice = st.session_state.pop("network_notice", None)
if notice:
    st.success(notice)

show_table(
    pd.DataFrame({
        "Réseau": pd.Series([r.name for r in rows], dtype="string"),
        "Contact": pd.Series([r.contact_email for r in rows], dtype="string"),
        "Site": pd.Series([r.website for r in rows], dtype="string"),
        "Comptes": pd.Series([r.account_count for r in rows], dtype="Int64"),
        "Actif": pd.Series([r.active for r in rows], dtype="boolean"),
    }),
    file_stem="reseaux", empty="Aucun réseau pour le moment : créez le premier ci-dessous.",
)


def network_fields(form: str, current=None) -> NetworkData:
    """The fields of a network form, pre-filled with `current` when editing."""
    name = st.text_input("Nom du réseau *", value=current.name if current else "")
    forms.field_error(form, "name")
    description = st.text_area("Description", value=(current.description or "") if current else "")
    forms.field_error(form, "description")
    contact = st.text_input("E-mail de contact", value=(current.contact_email or "") if current else "")
    forms.field_error(form, "contact_email")
    website = st.text_input("Site internet", value=(current.website or "") if current else "")
    forms.field_error(form, "website")
    active = st.checkbox("Réseau actif", value=current.active if current else True)
    return NetworkData(name=name, description=description, contact_email=contact, website=website, active=active)


create_tab, edit_tab = st.tabs(["Créer un réseau", "Modifier un réseau"])
with create_tab:
    with st.form(CREATE, enter_to_submit=False):
        forms.form_error(CREATE)
        new_data = network_fields(CREATE)
        created = st.form_submit_button("Créer le réseau", type="primary")
    if created:
        def create():
            with unit_of_work() as session:
                networks.create_network(session, actor=actor, data=new_data)
        forms.submit(CREATE, create)
        st.session_state["network_notice"] = f"Réseau « {forms.escape_md(new_data.name.strip())} » créé."
        st.rerun()

with edit_tab:
    if not rows:
        st.info("Aucun réseau pour le moment.")
    else:
        by_id = {r.id: r for r in rows}
        # Keyed by id: a network created meanwhile by a colleague must not move the choice.
        chosen = sticky_selectbox("Réseau à modifier", list(by_id), key="edited_network",
                                  labels={r.id: r.name for r in rows})
        version = forms.opened_version(f"network:{chosen}", by_id[chosen].version)
        with st.form(f"{EDIT}:{chosen}", enter_to_submit=False):
            forms.form_error(EDIT)
            data = network_fields(EDIT, by_id[chosen])
            saved = st.form_submit_button("Enregistrer", type="primary")
        if saved:
            def update():
                with unit_of_work() as session:
                    networks.update_network(session, actor=actor, network_id=chosen,
                                            expected_version=version, data=data)
            forms.submit(EDIT, update, record=f"network:{chosen}")
            st.session_state["network_notice"] = "Réseau enregistré."
            st.rerun()
