"""The Streamlit script: who is signed in, which pages they may see, run the chosen one."""

import streamlit as st

from ui.navigation import pages_for, sidebar
from ui.session import check_actor

st.set_page_config(page_title="OpenMap candidatures", page_icon="🤝", layout="wide")
actor = check_actor()
# expanded: past twelve pages Streamlit would fold the menu behind an English « View 3 more ».
page = st.navigation(pages_for(actor), expanded=True)  # before the sidebar: its sign-out button switches page
sidebar(actor)
page.run()
