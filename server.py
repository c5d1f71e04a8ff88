"""ASGI entry: Streamlit plus the few plain HTTP routes it cannot serve.

Run with `streamlit run server.py` (or any ASGI server: `uvicorn server:app`).
"""

import sys
from contextlib import asynccontextmanager

import streamlit as st
import uvicorn.config
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from core.errors import ValidationFailed
from core.logs import InvalidLogLevel, configure_logging
from core.startup import StartupError, prepare
from routes import auth, confirmation, programme
from routes.pages import UnknownPageMiddleware
from routes.web import ClientAddressMiddleware, NoFramingMiddleware

# uvicorn (which `streamlit run` runs too) trusts X-Forwarded-For from any loopback peer by
# default and rewrites the client address before the app sees it: a local client could pick
# its address and escape the sign-in lock. Its Config is built before this module is
# imported (FORWARDED_ALLOW_IPS set here would come too late), so switch that rewriting off
# whatever the launch path; ClientAddressMiddleware applies OPENMAP_BEHIND_PROXY instead.
uvicorn.config.ProxyHeadersMiddleware = lambda app, **_options: app

# The app declares its pages with st.navigation. Because a pages/ folder sits beside the
# script, Streamlit runs the first session of each process as an old-style folder app, whose
# navigation knows no sub-path: the first visitor of /comptes got an English « Page not
# found » (st.navigation sets this same flag once it has run).
PagesManager.uses_pages_directory = False


@asynccontextmanager
async def lifespan(_app):
    try:
        configure_logging()  # first, so that everything after it logs in the configured format
        prepare()
    except (InvalidLogLevel, StartupError, ValidationFailed) as error:
        detail = "; ".join(error.errors.values()) if isinstance(error, ValidationFailed) else error.args[0]
        print(f"OpenMap ne peut pas démarrer : {detail}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    yield


def show_french_error(_error: Exception) -> bool:
    """Users see a French sentence; the traceback goes to the server log only."""
    st.error("Une erreur inattendue s'est produite. Rechargez la page ; si elle persiste, "
             "signalez-la à l'équipe projet en indiquant l'heure.")
    return True


ROUTES = [*auth.ROUTES, *confirmation.ROUTES, *programme.ROUTES]
ROUTE_PATHS = frozenset(route.path.strip("/").split("/")[0] for route in ROUTES)
app = st.App("streamlit_app.py", routes=ROUTES,
             middleware=[Middleware(ClientAddressMiddleware), Middleware(NoFramingMiddleware),
                         Middleware(UnknownPageMiddleware, other_paths=ROUTE_PATHS)],
             lifespan=lifespan, on_script_error=show_french_error)
