"""Application use cases. Never imports Streamlit."""
