"""The Streamlit script: who is signed in, which pages they may see, run the chosen one."""

import streamlit as st

from ui.navigation import pages_for, sidebar
from ui.session import check_actor

st.set_page_config(page_title="OpenMap candidatures", page_icon="🤝", layout="wide")
actor = check_actor()
page = st.navigation(pages_for(actor))  # before the sidebar: its sign-out button switches page
sidebar(actor)
page.run()
