"""Which pages each role sees. A page absent from a role's list is not reachable by URL."""

from __future__ import annotations

import streamlit as st

from core.permissions import Actor
from db.models import Role
from ui.forms import escape_md
from ui.session import sign_in_link, sign_out


def _page(path: str, title: str, icon: str, url: str, *, default: bool = False) -> st.Page:
    return st.Page(path, title=title, icon=icon, url_path=url, default=default)


def pages_for(actor: Actor | None) -> dict[str, list[st.Page]] | list[st.Page]:
    if actor is None:
        return [_page("pages/public/accueil.py", "Accueil", ":material/home:", "accueil", default=True)]
    account = [_page("pages/commun/mon_compte.py", "Mon compte", ":material/person:", "mon-compte")]
    audit = _page("pages/admin/journal.py", "Journal d'audit", ":material/history:", "journal")
    accounts = _page("pages/admin/comptes.py", "Comptes", ":material/group:", "comptes")
    if actor.role == Role.ADMIN:
        return {
            "Administration": [
                _page("pages/admin/accueil.py", "Accueil", ":material/home:", "administration", default=True),
                accounts,
                _page("pages/admin/reseaux.py", "Réseaux", ":material/hub:", "reseaux"),
                audit,
            ],
            "Compte": account,
        }
    if actor.role == Role.PILOTE:
        return {
            "Pilotage": [
                _page("pages/pilotage/accueil.py", "Tableau de bord", ":material/dashboard:", "pilotage", default=True),
                _page("pages/pilotage/appels.py", "Rencontres et appels", ":material/campaign:", "appels"),
                _page("pages/pilotage/annuaire.py", "Annuaire des structures", ":material/domain:", "annuaire"),
                accounts,
                audit,
            ],
            "Compte": account,
        }
    if actor.role == Role.EVALUATEUR:
        return {
            "Évaluation": [
                _page("pages/evaluateur/accueil.py", "Accueil", ":material/home:", "evaluation", default=True),
            ],
            "Compte": account,
        }
    return {
        "Réseau": [
            _page("pages/reseau/accueil.py", "Mes candidatures", ":material/home:", "reseau", default=True),
            _page("pages/reseau/candidature.py", "Nouvelle candidature", ":material/add_circle:", "candidature"),
            _page("pages/reseau/import.py", "Importer un tableur", ":material/upload_file:", "import"),
        ],
        "Compte": account,
    }


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
            st.rerun()

