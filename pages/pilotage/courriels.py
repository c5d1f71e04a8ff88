"""« Courriels »: the outbox. Counts per state, a filtered table, a page of it at a time
(PAGE_SIZE rows; other filters go back to the first page), whose selected rows are
previewed, edited (a draft), discarded, put back in the queue or sent; everything queued
sent in one click. Sending runs in a background thread (core.mail.jobs): this page only
shows its progress. With the file transport, the .eml files written are listed and shown.
"""

from functools import partial

import streamlit as st

from core.errors import DomainError, ValidationFailed
from core.mail import files, jobs, outbox_admin
from core.mail.outbox_admin import DISCARDABLE, REQUEUABLE, STATES, OutboxFilter
from core.settings import mail_settings
from db.engine import read_only, unit_of_work
from ui import mail as ui_mail
from ui.forms import escape_md
from ui.session import ended_since_drawn, require_actor
from ui.tables import show_table

actor = require_actor()
settings = mail_settings()
state = st.session_state
NOTICE = "courriels-notice"
PAGE, PAGED_FILTERS = "courriels-page", "courriels-page-filters"

st.title("Courriels")
if settings.transport == "smtp":
    st.caption(f"Envoi par le serveur {settings.smtp_host}:{settings.smtp_port} ; les adresses de démonstration "
               "et des domaines réservés (exemple.fr, example.com…) ne sont jamais envoyées.")
else:
    st.caption(f"Mode fichier : chaque courriel est écrit en .eml dans {settings.mail_dir} (aucun envoi réel).")

with read_only() as session:
    counts = outbox_admin.state_counts(session, actor=actor)
    templates, calls = outbox_admin.filter_choices(session, actor=actor)

for column, key in zip(st.columns(4), ("queued", "sent", "retrying", "failed"), strict=True):
    column.metric(STATES[key], counts[key])
others = ", ".join(f"{STATES[k].lower()} : {counts[k]}" for k in ("draft", "sending", "interrupted", "discarded"))
st.caption(f"Aussi : {others}.")


def say(kind: str, text: str) -> None:
    state[NOTICE] = (kind, text)


def allowed() -> bool:
    return not ended_since_drawn(actor, partial(say, "error"))


def send(ids: list[int] | None) -> None:
    if not allowed():
        return
    job = jobs.start_sending(unit_of_work, actor=actor, ids=ids, settings=settings)
    state[ui_mail.PROGRESS_KEY] = job.id
    state.pop(ui_mail.SUMMARY_KEY, None)


def written(work) -> tuple[bool, object]:
    """Run `work(session)` in one transaction: (True, its result), or (False, None) once
    core's French refusal is said (nothing was written)."""
    try:
        with unit_of_work() as session:
            return True, work(session)
    except ValidationFailed as error:
        say("error", " ".join(error.errors.values()))
    except DomainError as error:
        say("error", error.message)
    return False, None


def act(action, ids: list[int], done: str, **options) -> None:
    if not allowed():
        return
    ok, count = written(lambda session: action(session, actor=actor, message_ids=ids, **options))
    if ok:
        say("success", done.format(count=count))
        ui_mail.forget_selection()


def turn(page: int) -> None:
    state[PAGE] = page


def save_draft(message_id: int, version: int) -> None:
    if not allowed():
        return
    ok, _ = written(lambda session: outbox_admin.edit_draft(
        session, actor=actor, message_id=message_id, version=version,
        subject=state.get(f"draft-subject-{message_id}", ""), body_text=state.get(f"draft-text-{message_id}", "")))
    if ok:
        say("success", "Brouillon enregistré.")


# ---------------------------------------------------------------- sending in progress

ui_mail.show_summary()
notice = state.pop(NOTICE, None)
if notice:
    getattr(st, notice[0])(escape_md(notice[1]))
busy = state.get(ui_mail.PROGRESS_KEY) is not None
if busy:
    ui_mail.sending_progress(actor)
# Never disabled for an empty queue: « tout » first queues what has fallen due (announcements,
# reminders), as `manage.py send-mail` does, and `make run` has no timer to do it.
st.button(f"Envoyer tout ce qui est en file ({counts['queued']})", type="primary", icon=":material/send:",
          disabled=busy, on_click=send, args=(None,), key="courriels-send-all",
          help="Met d'abord en file les annonces et rappels arrivés à échéance, puis envoie tout ce qui est dû.")

# ---------------------------------------------------------------- filters and table

with st.container(horizontal=True):
    chosen_states = st.multiselect("État", list(STATES), format_func=STATES.get, key="courriels-states",
                                   placeholder="Tous", select_all=False)
    template_key = st.selectbox("Modèle", [None, *templates], format_func=lambda k: templates.get(k, "Tous"),
                                key="courriels-template")
    call_id = st.selectbox("Appel", [None, *calls], format_func=lambda c: calls.get(c, "Tous"), key="courriels-call")
    search = st.text_input("Destinataire ou objet", key="courriels-search", placeholder="Rechercher…")
filters = OutboxFilter(states=tuple(chosen_states), template_key=template_key, call_id=call_id, search=search)
if state.get(PAGED_FILTERS) != filters:  # other filters: their first page
    state[PAGED_FILTERS], state[PAGE] = filters, 1
with read_only() as session:
    outbox = outbox_admin.outbox_frame(session, actor=actor, filters=filters, page=int(state.get(PAGE) or 1),
                                       page_size=outbox_admin.PAGE_SIZE)
frame = outbox.frame
state[PAGE] = outbox.page  # before its box is drawn: the box shows the page the table shows
if outbox.moved:
    st.info(outbox.moved)
with st.container(horizontal=True, vertical_alignment="bottom"):
    st.button("Page précédente", icon=":material/chevron_left:", key="courriels-previous",
              disabled=outbox.page <= 1, on_click=turn, args=(outbox.page - 1,))
    st.number_input("Page", min_value=1, step=1, key=PAGE, width=140, help=f"{outbox.pages} page(s) en tout.")
    st.button("Page suivante", icon=":material/chevron_right:", key="courriels-next",
              disabled=outbox.page >= outbox.pages, on_click=turn, args=(outbox.page + 1,))
    st.caption(outbox.label)
shown = show_table(frame, file_stem=None, column_config=ui_mail.OUTBOX_COLUMNS, column_order=ui_mail.OUTBOX_ORDER,
                   on_select="rerun", selection_mode="multi-row", key=ui_mail.table_key(frame["id"]),
                   empty="Aucun courriel ne correspond à ces filtres.")
picked = frame.iloc[list(shown.selection.rows)] if shown is not None else frame.iloc[[]]
ids = [int(i) for i in picked["id"]]
picked_states = set(picked["state"])

# ---------------------------------------------------------------- acts on the selection

if ids:
    st.subheader(f"Sélection : {len(ids)} courriel(s)")
    with st.container(horizontal=True):
        st.button("Envoyer la sélection", icon=":material/send:", on_click=send, args=(ids,),
                  disabled=busy or not picked_states & {"queued", "retrying"}, key="courriels-send-selection",
                  help="Envoie ceux de la sélection qui sont en file (ou dont le nouvel essai est dû).")
        st.button("Remettre en file", icon=":material/replay:", key="courriels-requeue",
                  disabled=not picked_states <= REQUEUABLE,
                  on_click=act, args=(outbox_admin.requeue, ids, "{count} courriel(s) remis en file d'attente."))
    if "interrupted" in picked_states:
        st.warning("Un envoi interrompu a peut-être atteint son destinataire : ne le remettez en file que si "
                   "vous savez qu'il ne l'a pas reçu.")
    if picked_states <= DISCARDABLE:
        with st.form("courriels-discard", border=True):
            note = st.text_input("Raison (obligatoire pour écarter)", key="courriels-discard-note")
            st.form_submit_button("Écarter la sélection", icon=":material/block:",
                                  on_click=lambda: act(outbox_admin.discard, ids,
                                                       "{count} courriel(s) écarté(s) : ils ne partiront pas.",
                                                       note=state.get("courriels-discard-note", "")))
    if len(ids) == 1:
        with read_only() as session:
            view = outbox_admin.message_view(session, actor=actor, message_id=ids[0])
        ui_mail.show_message(view)
        if view.state == "draft":
            with st.form(f"draft-{view.id}"):
                st.text_input("Objet", value=view.subject, key=f"draft-subject-{view.id}")
                st.text_area("Texte", value=view.body_text, height=300, key=f"draft-text-{view.id}")
                st.form_submit_button("Enregistrer le brouillon", on_click=save_draft, args=(view.id, view.version))

# ---------------------------------------------------------------- .eml files (file transport)

if settings.transport == "file":
    st.subheader("Fichiers .eml écrits")
    eml = ui_mail.eml_frame(files.eml_files(settings, actor=actor))
    chosen = show_table(eml, file_stem=None, column_config=ui_mail.EML_COLUMNS, on_select="rerun",
                        selection_mode="single-row", key="courriels-eml",
                        empty="Aucun fichier écrit pour le moment.")
    if chosen is not None and chosen.selection.rows:
        name = str(eml.iloc[chosen.selection.rows[0]]["name"])
        try:
            ui_mail.show_eml(files.read_eml(settings, actor=actor, name=name))
        except DomainError as error:
            st.error(escape_md(error.message))
