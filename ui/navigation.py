"""Which pages each role sees. A page absent from a role's list is not reachable by URL."""

from __future__ import annotations

import streamlit as st

from core.permissions import Actor
from db.models import Role
from ui.forms import escape_md
from ui.session import sign_in_link, sign_out

# url path → (script, title, icon): every page of the app.
PAGES: dict[str, tuple[str, str, str]] = {
    "accueil": ("pages/public/accueil.py", "Accueil", ":material/home:"),
    "programme": ("pages/public/programme.py", "Programme des rencontres", ":material/event:"),
    "mon-compte": ("pages/commun/mon_compte.py", "Mon compte", ":material/person:"),
    "administration": ("pages/admin/accueil.py", "Accueil", ":material/home:"),
    "comptes": ("pages/admin/comptes.py", "Comptes", ":material/group:"),
    "reseaux": ("pages/admin/reseaux.py", "Réseaux", ":material/hub:"),
    "journal": ("pages/admin/journal.py", "Journal d'audit", ":material/history:"),
    "pilotage": ("pages/pilotage/accueil.py", "Tableau de bord", ":material/dashboard:"),
    "appels": ("pages/pilotage/appels.py", "Rencontres et appels", ":material/campaign:"),
    "annuaire": ("pages/pilotage/annuaire.py", "Annuaire des structures", ":material/domain:"),
    "evaluations": ("pages/pilotage/evaluations.py", "Évaluations", ":material/grading:"),
    "selection": ("pages/pilotage/selection.py", "Sélection", ":material/how_to_reg:"),
    "publication": ("pages/pilotage/publication.py", "Publication des décisions", ":material/send:"),
    "modeles": ("pages/pilotage/modeles.py", "Modèles de courriels", ":material/mail:"),
    "construction-programme": ("pages/pilotage/programme.py", "Programme", ":material/calendar_month:"),
    "evaluateurs": ("pages/pilotage/evaluateurs.py", "Évaluateurs", ":material/groups:"),
    "courriels": ("pages/pilotage/courriels.py", "Courriels", ":material/mail:"),
    "evaluation": ("pages/evaluateur/accueil.py", "Accueil", ":material/home:"),
    "evaluer": ("pages/evaluateur/evaluer.py", "Évaluer", ":material/rate_review:"),
    "liens-interet": ("pages/evaluateur/liens.py", "Mes liens d'intérêt", ":material/link_off:"),
    "reseau": ("pages/reseau/accueil.py", "Mes candidatures", ":material/home:"),
    "candidature": ("pages/reseau/candidature.py", "Nouvelle candidature", ":material/add_circle:"),
    "import": ("pages/reseau/import.py", "Importer un tableur", ":material/upload_file:"),
}

# Each role's menu: section → url paths; the first page is the role's home.
MENUS: dict[Role | None, dict[str, tuple[str, ...]]] = {
    None: {"": ("accueil", "programme")},
    Role.ADMIN: {"Administration": ("administration", "comptes", "reseaux", "journal"), "Compte": ("mon-compte",)},
    Role.PILOTE: {"Pilotage": ("pilotage", "appels", "evaluations", "selection", "publication",
                               "construction-programme", "courriels", "modeles", "evaluateurs", "annuaire",
                               "comptes", "journal"),
                  "Mes évaluations": ("evaluer", "liens-interet"), "Compte": ("mon-compte",)},
    Role.EVALUATEUR: {"Évaluation": ("evaluation", "evaluer", "liens-interet"), "Compte": ("mon-compte",)},
    Role.RESEAU: {"Réseau": ("reseau", "candidature", "import"), "Compte": ("mon-compte",)},
}


def pages_for(actor: Actor | None) -> dict[str, list[st.Page]]:
    """The role's menu, plus a hidden French refusal at every other URL of the app (never
    the page itself, and not Streamlit's English "page not found")."""
    menu = MENUS[actor.role if actor else None]
    home = next(iter(menu.values()))[0]
    sections = {
        section: [_home(url) if url == home else _page(url, default=False) for url in urls]
        for section, urls in menu.items()
    }
    shown = {url for urls in menu.values() for url in urls}
    first = next(iter(sections))
    sections[first].append(_alias(home, sections[first][0]))
    sections[first] += [
        _page(url, default=False, visibility="hidden") if url in PUBLIC_PAGES else _refusal(actor, url)
        for url in PAGES if url not in shown
    ]
    return sections


PUBLIC_HOME = "accueil"  # open to everyone; where signing out leads
PUBLIC_PAGES = frozenset({PUBLIC_HOME, "programme"})  # open to everyone, signed in or not


def _page(url: str, *, default: bool, visibility: str = "visible") -> st.Page:
    script, title, icon = PAGES[url]
    return st.Page(script, title=title, icon=icon, url_path=url, default=default, visibility=visibility)


def _home(url: str) -> st.Page:
    """The role's home, served at « / ». Streamlit would answer its own path (« /pilotage »)
    with an English « page not found »: the path gets an alias (`_alias`) instead, so the
    page is registered under another internal path."""
    script, title, icon = PAGES[url]
    return st.Page(script, title=title, icon=icon, url_path=f"{url}-accueil", default=True)


def _alias(url: str, home: st.Page) -> st.Page:
    """The home's own path (« /pilotage », where signing in from a refusal may lead): go home."""
    def go_home() -> None:
        st.switch_page(home)

    go_home.__name__ = f"alias_{url.replace('-', '_')}"
    return st.Page(go_home, title=PAGES[url][1], url_path=url, visibility="hidden")


def _refusal(actor: Actor | None, url: str) -> st.Page:
    def refused() -> None:
        st.title("Page non disponible")
        if actor is None:
            st.info("Connectez-vous pour accéder à cette page.")
            sign_in_link(back_to=url)
        else:
            st.info("Cette page n'est pas accessible avec votre compte.")

    refused.__name__ = f"refused_{url.replace('-', '_')}"  # Streamlit tells callables apart by name
    return st.Page(refused, title="Page non disponible", url_path=url, visibility="hidden")


def sidebar(actor: Actor | None) -> None:
    """Who is signed in, their network, and the sign-out button."""
    with st.sidebar:
        if actor is None:
            sign_in_link(full_width=True)
            return
        st.markdown(f"**{escape_md(actor.full_name)}**")
        st.caption(escape_md(actor.role_label + (f" · {actor.network_name}" if actor.network_name else "")))
        st.caption(escape_md(actor.email))
        if st.button("Se déconnecter", icon=":material/logout:", width="stretch"):
            sign_out()
            st.switch_page(PAGES[PUBLIC_HOME][0])

