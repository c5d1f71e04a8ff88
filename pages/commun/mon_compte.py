"""My account: who I am, and changing my password."""

import streamlit as st

from core.accounts import passwords, profile
from db.engine import unit_of_work
from ui import forms
from ui.session import require_actor, session_token

FORM = "mon_compte"

actor = require_actor()
st.title("Mon compte")
st.markdown(f"**{forms.escape_md(actor.full_name)}** — {forms.escape_md(actor.email)}")
st.caption(forms.escape_md(actor.role_label + (f" · {actor.network_name}" if actor.network_name else "")))

st.subheader("Changer de mot de passe")
if st.session_state.pop("password_changed", False):
    st.success("Votre mot de passe a été changé.")
with st.form(FORM, clear_on_submit=False, enter_to_submit=False):
    forms.form_error(FORM)
    current = st.text_input("Mot de passe actuel", type="password", autocomplete="current-password")
    forms.field_error(FORM, "current_password")
    new = st.text_input("Nouveau mot de passe", type="password", autocomplete="new-password",
                        help=f"Au moins {passwords.MIN_PASSWORD_LENGTH} caractères.")
    forms.field_error(FORM, "password")
    confirmation = st.text_input("Confirmation du nouveau mot de passe", type="password", autocomplete="new-password")
    forms.field_error(FORM, "password_confirmation")
    submitted = st.form_submit_button("Changer le mot de passe", type="primary")

if submitted:
    def change():
        with unit_of_work() as session:
            profile.change_password(session, actor=actor, current_password=current,
                                    new_password=new, confirmation=confirmation,
                                    current_token=session_token())
    forms.submit(FORM, change)
    st.session_state["password_changed"] = True
    st.rerun()
