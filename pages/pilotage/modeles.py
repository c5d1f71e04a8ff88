"""Templates of the e-mails: the lead edits each message's subject and text, for one edition
or for all, beside its placeholders and a live preview on a real candidacy.

What was typed stays in the fields whatever happens (a refusal, a colleague's save): it
is read from the stored text only when a template is first opened, after a save, a reset
or « Recharger ». A save is checked against the version the fields were loaded from.
"""

import streamlit as st

from core.calls import editions
from core.clock import format_date
from core.mail import editing, preview
from core.mail.catalogue import CATALOGUE
from db.engine import read_only, unit_of_work
from ui import forms
from ui.choices import sticky_selectbox
from ui.forms import escape_md
from ui.mail_templates import placeholders_list, show_preview
from ui.session import require_actor

ALL = 0  # « toutes les rencontres »
FORM = "modele"

actor = require_actor()
st.title("Modèles de courriels")
st.caption("Le texte de chaque message envoyé par l'application. La partie HTML des courriels est produite à "
           "partir du texte : les adresses web y deviennent des liens.")
notice = st.session_state.pop("modeles-notice", None)
if notice:
    st.success(notice)

with read_only() as session:
    edition_rows = editions.list_editions(session, actor=actor)
labels = {ALL: "Toutes les rencontres", **{
    e.id: f"n° {e.number} — {e.title} ({format_date(e.event_date)})" for e in edition_rows}}
cols = st.columns(2)
with cols[0]:
    chosen = sticky_selectbox("Rencontre", [ALL, *(e.id for e in edition_rows)], key="modeles-edition", labels=labels,
                              help="Un texte propre à une rencontre l'emporte sur le texte commun à toutes.")
with cols[1]:
    key = sticky_selectbox("Modèle", list(CATALOGUE), key="modeles-key",
                           labels={k: t.label for k, t in CATALOGUE.items()})
edition_id = None if chosen == ALL else chosen

with read_only() as session:
    shown = editing.template_for_editing(session, actor=actor, key=key, edition_id=edition_id)
    candidacies = preview.preview_candidacies(session, actor=actor, edition_id=edition_id)

SCOPE = f"modeles:{chosen}:{key}"
SUBJECT, BODY, COPY, VERSION = f"{SCOPE}:subject", f"{SCOPE}:body", f"{SCOPE}:copy", f"{SCOPE}:version"
state = st.session_state


def load(template: editing.EditableTemplate) -> None:
    """Fill the fields from the stored text (and remember its version)."""
    state[SUBJECT], state[BODY], state[COPY] = template.subject, template.body, template.copy_networks
    state[VERSION] = template.version


def forget() -> None:
    for name in (SUBJECT, BODY, COPY, VERSION):
        state.pop(name, None)


if VERSION not in state:
    load(shown)

st.markdown(f"**{escape_md(shown.origin_label)}** · {escape_md(shown.audience)}")
if shown.origin != "edition" and edition_id is not None:
    st.caption("Enregistrer crée un texte propre à cette rencontre ; les autres gardent le leur.")

forms.form_error(FORM)
editor, aside = st.columns([3, 2])
with editor:
    st.text_input("Objet", key=SUBJECT, max_chars=editing.SUBJECT_LIMIT)
    forms.field_error(FORM, "subject")
    st.text_area("Texte", key=BODY, height=420,
                 help="Une valeur s'écrit {{ nom }} ; une partie conditionnelle {% if nom %}…{% endif %}.")
    forms.field_error(FORM, "body")
    if shown.about_candidacy:
        st.checkbox("Mettre le réseau qui a proposé la candidature en copie", key=COPY)
    buttons = st.columns([1, 1, 2])
    save = buttons[0].button("Enregistrer", type="primary", width="stretch")
    reload = buttons[1].button("Recharger", width="stretch",
                               help="Reprendre le texte enregistré, sans vos modifications.")
    own = shown.origin == ("all" if edition_id is None else "edition")
    reset = buttons[2].button("Revenir au texte par défaut" if edition_id is None else "Revenir au texte commun",
                              disabled=not own, width="stretch",
                              help="Supprime le texte enregistré ici ; l'ancien texte reste au journal d'audit.")
with aside:
    placeholders_list(shown.placeholders)

if save:
    def store() -> int:
        with unit_of_work() as session:
            return editing.save_template(session, actor=actor, key=key, edition_id=edition_id, subject=state[SUBJECT],
                                         body=state[BODY], copy_networks=state[COPY], expected_version=state[VERSION])

    # A refusal keeps the typed text and the version it was typed on: a stale save stays refused until reloaded.
    saved = forms.submit(FORM, store)
    if saved is not None:
        state[VERSION] = saved
        state["modeles-notice"] = "Modèle enregistré : les prochains messages utiliseront ce texte."
        st.rerun()
if reload:
    forget()
    state.pop(f"errors:{FORM}", None)  # the refusal was about the text put aside
    st.rerun()
if reset:
    def remove() -> bool:
        with unit_of_work() as session:
            return editing.reset_template(session, actor=actor, key=key, edition_id=edition_id,
                                          expected_version=shown.version)

    if forms.submit(FORM, remove) is not None:
        forget()
        state["modeles-notice"] = "Texte enregistré supprimé : le message reprend le texte " + (
            "par défaut." if edition_id is None else "commun à toutes les rencontres (ou celui par défaut).")
        st.rerun()

st.subheader("Aperçu")
options = [c.id for c in candidacies] + [ALL]
on_labels = {ALL: "Exemple (valeurs fictives)", **{c.id: c.label for c in candidacies}}
on = ALL
if shown.about_candidacy:
    on = sticky_selectbox("Aperçu sur", options, key=f"modeles-on:{chosen}", labels=on_labels,
                          help="Une candidature déposée de la rencontre, telle que son message la dirait.")
with read_only() as session:
    shown_preview = preview.preview_message(session, actor=actor, key=key, subject=state[SUBJECT], body=state[BODY],
                                            candidacy_id=None if on == ALL else on)
show_preview(shown_preview)
