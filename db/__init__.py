"""Persistence: SQLAlchemy models, engine, sessions, migrations. Never imports Streamlit."""
