"""Anonymous home: what the service is, and the way in."""

import streamlit as st

from ui.session import sign_in_link

st.title("🤝 OpenMap candidatures")
if st.session_state.pop("signed_out", False):
    st.success("Vous êtes déconnecté.")
st.markdown(
    "Les rencontres **OpenMap** réunissent acheteurs publics et structures inclusives "
    "(SIAE, entreprises adaptées, ESAT) d'Île-de-France autour d'un thème. "
    "Cet espace sert à l'appel à candidatures pour les présentations express : "
    "les réseaux proposent les structures qu'ils accompagnent, l'équipe projet "
    "les évalue et compose le programme."
)
sign_in_link()
st.caption("Vous avez reçu une invitation ? Ouvrez le lien de l'e-mail pour choisir votre mot de passe.")
