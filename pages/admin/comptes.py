"""Accounts: invite a person (the link is shown to pass on), list accounts, change one."""

import pandas as pd
import streamlit as st

from core.accounts import administration, invitations, networks, resets
from core.clock import PARIS
from core.permissions import ROLE_LABELS, Action, can, invitable_roles
from db.engine import read_only, unit_of_work
from db.models import Role
from ui import forms
from ui.choices import sticky_selectbox
from ui.format import when
from ui.session import require_actor
from ui.tables import show_table

INVITE = "invitation"
EDIT = "modification_compte"
RESEND = "renvoi_invitation"

actor = require_actor()
st.title("Comptes")

with read_only() as session:
    rows = administration.list_accounts(session, actor=actor)
    network_rows = networks.list_networks(session, actor=actor, active_only=True)
network_names = {n.id: n.name for n in network_rows}
# Choices are keyed by account id: an account added meanwhile by a colleague must not move
# the choice, or the buttons below would act on someone else.
account_labels = {r.id: f"{r.full_name} — {r.email}" for r in rows}

# ------------------------------------------------------------------ invitation
st.subheader("Inviter une personne")
issued = st.session_state.pop("issued_link", None)
if issued:
    st.success(f"Invitation créée pour {forms.escape_md(issued['email'])}. Transmettez-lui ce lien, valable jusqu'au "
               f"{issued['expires']} et utilisable une seule fois (il est aussi placé dans la file d'envoi des "
               "e-mails) :")
    st.code(issued["url"], language=None)

roles = invitable_roles(actor)
with st.form(INVITE, clear_on_submit=False, enter_to_submit=False):
    forms.form_error(INVITE)
    full_name = st.text_input("Nom et prénom", max_chars=120)
    forms.field_error(INVITE, "full_name")
    email = st.text_input("Adresse e-mail", max_chars=254)
    forms.field_error(INVITE, "email")
    role = st.selectbox("Rôle", roles, format_func=lambda r: ROLE_LABELS[r],
                        index=roles.index(Role.RESEAU) if Role.RESEAU in roles else 0)
    network_id = st.selectbox("Réseau (pour un référent réseau)", list(network_names), index=None,
                              format_func=network_names.get, placeholder="Choisir un réseau",
                              key="invited_network")  # keyed: a network created meanwhile keeps the choice
    forms.field_error(INVITE, "network_id")
    invited = st.form_submit_button("Créer l'invitation", type="primary")

if invited:
    def invite():
        with unit_of_work() as session:
            return invitations.invite(session, actor=actor, email=email, full_name=full_name,
                                      role=role, network_id=network_id)
    link = forms.submit(INVITE, invite)
    st.session_state["issued_link"] = {
        "email": link.email, "url": link.url, "expires": when(link.expires_at),
    }
    st.rerun()

# ------------------------------------------------------------------ list
st.subheader(f"Comptes ({len(rows)})")


def status(row) -> str:
    if not row.active:
        return "Désactivé"
    return "Invitation en attente" if row.pending else "Actif"


show_table(
    pd.DataFrame({
        "Nom": pd.Series([r.full_name for r in rows], dtype="string"),
        "E-mail": pd.Series([r.email for r in rows], dtype="string"),
        "Rôle": pd.Series([ROLE_LABELS[r.role] for r in rows], dtype="string"),
        "Réseau": pd.Series([r.network_name for r in rows], dtype="string"),
        "Statut": pd.Series([status(r) for r in rows], dtype="string"),
        "Dernière connexion": pd.to_datetime([r.last_sign_in_at for r in rows], utc=True).tz_convert(PARIS),
    }),
    file_stem="comptes",
    column_config={"Dernière connexion": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")},
)

# ------------------------------------------------------------------ pending invitations
# Those this person may send again: an address already invited is refused by the form above.
pending = {r.id: r for r in rows if r.pending and r.active and r.role in roles}
if pending:
    st.subheader("Invitations en attente")
    forms.form_error(RESEND)
    chosen_pending = sticky_selectbox("Invitation en attente", list(pending), key="pending_invitation",
                                      labels=account_labels)
    # Keyed by account: if the choice changes before the click lands, no other account gets the link.
    if st.button("Renvoyer le lien d'invitation", icon=":material/forward_to_inbox:", key=f"resend:{chosen_pending}"):
        def resend():
            with unit_of_work() as session:
                return invitations.resend_invitation(session, actor=actor, user_id=chosen_pending)
        link = forms.submit(RESEND, resend)
        st.success(f"Nouveau lien d'invitation pour {forms.escape_md(link.email)}, valable jusqu'au "
                   f"{when(link.expires_at)} ; le lien envoyé avant ne fonctionne plus. Transmettez-le "
                   "(il est aussi placé dans la file d'envoi des e-mails) :")
        st.code(link.url, language=None)

# ------------------------------------------------------------------ edit (administrators)
if can(actor, Action.MANAGE_ACCOUNTS) and rows:
    st.subheader("Modifier un compte")
    by_id = {r.id: r for r in rows}
    chosen = sticky_selectbox("Compte", list(by_id), key="edited_account", labels=account_labels)
    account = by_id[chosen]
    version = forms.opened_version(f"user:{account.id}", account.version)
    done = st.session_state.pop("account_saved", None)
    if done:
        st.success(done)
    with st.form(f"{EDIT}:{account.id}", enter_to_submit=False):
        forms.form_error(EDIT)
        all_roles = list(Role)
        new_role = st.selectbox("Rôle", all_roles, index=all_roles.index(account.role),
                                format_func=lambda r: ROLE_LABELS[r])
        ids = list(network_names)
        new_network = st.selectbox(
            "Réseau", ids, index=ids.index(account.network_id) if account.network_id in ids else None,
            format_func=network_names.get, placeholder="Aucun", key=f"account_network:{account.id}",
        )
        forms.field_error(EDIT, "network_id")
        new_active = st.checkbox("Compte actif", value=account.active,
                                 help="Un compte désactivé ne peut plus se connecter ; ses sessions sont fermées.")
        saved = st.form_submit_button("Enregistrer", type="primary")
    if saved:
        def update():
            with unit_of_work() as session:
                administration.update_account(session, actor=actor, user_id=account.id, expected_version=version,
                                              role=new_role, network_id=new_network, active=new_active)
        forms.submit(EDIT, update, record=f"user:{account.id}")
        st.session_state["account_saved"] = f"Compte de {forms.escape_md(account.email)} enregistré."
        st.rerun()

    if st.button("Créer un lien de réinitialisation du mot de passe", icon=":material/key:",
                 key=f"reset:{account.id}"):
        with unit_of_work() as session:
            link = resets.issue_password_reset(session, actor=actor, user_id=account.id)
        st.info(f"Lien de réinitialisation pour {forms.escape_md(link.email)}, "
                f"valable jusqu'au {when(link.expires_at)} :")
        st.code(link.url, language=None)
