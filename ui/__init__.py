"""Reusable Streamlit pieces: the signed-in user, navigation, forms, formatting."""
