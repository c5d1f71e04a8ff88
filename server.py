"""ASGI entry: Streamlit plus the few plain HTTP routes it cannot serve.

Run with `streamlit run server.py` (or any ASGI server: `uvicorn server:app`).
"""

import sys
from contextlib import asynccontextmanager

import streamlit as st

from core.errors import ValidationFailed
from core.startup import StartupError, prepare
from routes.auth import ROUTES


@asynccontextmanager
async def lifespan(_app):
    try:
        prepare()
    except (StartupError, ValidationFailed) as error:
        detail = error.args[0] if isinstance(error, StartupError) else "; ".join(error.errors.values())
        print(f"OpenMap ne peut pas démarrer : {detail}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    yield


def show_french_error(_error: Exception) -> bool:
    """Users see a French sentence; the traceback goes to the server log only."""
    st.error("Une erreur inattendue s'est produite. Rechargez la page ; si elle persiste, "
             "signalez-la à l'équipe projet en indiquant l'heure.")
    return True


app = st.App("streamlit_app.py", routes=ROUTES, lifespan=lifespan, on_script_error=show_french_error)
