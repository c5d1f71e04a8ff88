"""The « Courriels » page's pieces: the outbox table's columns, a message's preview, the
background sending's progress."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from core.clock import PARIS, format_datetime
from core.mail import jobs
from core.mail.files import EmlFile, EmlMessage
from core.mail.outbox_admin import MessageView
from ui.forms import escape_md
from ui.session import still_signed_in

OUTBOX_COLUMNS = {  # who, what and where first: the first five fit beside the sidebar
    "id": st.column_config.NumberColumn("N°", format="%d", width=50),
    "state_label": st.column_config.TextColumn("État", width=150),
    "to": st.column_config.TextColumn("Destinataire", width=220),
    "subject": st.column_config.TextColumn("Objet", width=280),
    "template": st.column_config.TextColumn("Modèle", width=180),
    "call": st.column_config.TextColumn("Appel", width=160),
    "attempts": st.column_config.NumberColumn("Essais", format="%d", width=60),
    "last_error": st.column_config.TextColumn("Dernière erreur", width=300),
    "next_attempt_at": st.column_config.DatetimeColumn("Prochain essai", format="DD/MM/YYYY HH:mm", width=130),
    "created_at": st.column_config.DatetimeColumn("Créé le", format="DD/MM/YYYY HH:mm", width=130),
    "sent_at": st.column_config.DatetimeColumn("Envoyé le", format="DD/MM/YYYY HH:mm", width=130),
    "cc": st.column_config.TextColumn("Copie", width=180),
    "status_note": st.column_config.TextColumn("Note", width=240),
}
OUTBOX_ORDER = list(OUTBOX_COLUMNS)

EML_COLUMNS = {
    "name": st.column_config.TextColumn("Fichier", width=380),
    "written_at": st.column_config.DatetimeColumn("Écrit le", format="DD/MM/YYYY HH:mm:ss", width=160),
    "size": st.column_config.NumberColumn("Taille (octets)", format="%d", width=120),
}


def eml_frame(listed: list[EmlFile]) -> pd.DataFrame:
    """The files written, typed (times in Paris), newest first as listed."""
    return pd.DataFrame({
        "name": pd.Series([f.name for f in listed], dtype="string"),
        "written_at": pd.Series(pd.to_datetime([f.written_at for f in listed], utc=True)).dt.tz_convert(PARIS),
        "size": pd.Series([f.size for f in listed], dtype="Int64"),
    })


def show_headers(rows: list[tuple[str, str]]) -> None:
    st.dataframe(pd.DataFrame(rows, columns=["En-tête", "Valeur"]).astype("string"), hide_index=True,
                 width="stretch", column_config={"En-tête": st.column_config.TextColumn(width=120),
                                                 "Valeur": st.column_config.TextColumn(width=600)})


def show_bodies(text: str | None, html: str | None) -> None:
    """The text part as plain text; the HTML part rendered by st.html, which sanitises it
    (DOMPurify: no script, no event handler) and runs no JavaScript."""
    tabs = st.tabs(["Texte", "HTML"] if html else ["Texte"])
    with tabs[0]:
        st.text(text or "")
    if html:
        with tabs[1], st.container(border=True):
            st.html(html)


def show_message(view: MessageView) -> None:
    st.markdown(f"**{escape_md(view.subject)}** — {escape_md(view.state_label)}")
    headers = [("À", view.to)] + ([("Copie", ", ".join(view.cc))] if view.cc else [])
    headers += [("Objet", view.subject), ("Modèle", view.template), ("Créé le", format_datetime(view.created_at))]
    if view.message_id:
        headers.append(("Message-ID", view.message_id))
    if view.sent_at:
        headers.append(("Envoyé le", format_datetime(view.sent_at)))
    if view.next_attempt_at:
        headers.append(("Prochain essai", format_datetime(view.next_attempt_at)))
    headers.append(("Essais", str(view.attempts)))
    show_headers(headers)
    if view.last_error:
        st.error(escape_md(view.last_error))
    if view.status_note:
        st.info(escape_md(view.status_note))
    if view.state == "interrupted":
        st.warning("L'envoi de ce courriel a été interrompu : le serveur l'a peut-être reçu. Il ne repart pas "
                   "tout seul ; remettez-le en file seulement si le destinataire ne l'a pas eu.")
    show_bodies(view.body_text, view.body_html)


def show_eml(message: EmlMessage) -> None:
    show_headers(message.headers)
    show_bodies(message.text, message.html)


TABLE_PREFIX = "courriels-table:"


def table_key(ids: Iterable[int]) -> str:
    """The outbox table's key for these rows in this order. The table selects by position:
    when its rows change (a filter, another tab's sending, a message queued meanwhile) the
    key changes with them and the table starts with nothing selected, or each button would
    act on the messages that came to the selected places."""
    return f"{TABLE_PREFIX}{zlib.crc32(','.join(str(int(i)) for i in ids).encode()):08x}"


def forget_selection() -> None:
    for key in [k for k in st.session_state if str(k).startswith(TABLE_PREFIX)]:
        del st.session_state[key]


PROGRESS_KEY = "courriels-job"
SUMMARY_KEY = "courriels-summary"


@st.fragment(run_every=1.0)
def sending_progress(actor) -> None:
    """The progress bar of this browser's background sending, refreshed each second; once
    it has finished, its summary is kept for the next run and the page is drawn again."""
    if not still_signed_in(actor):
        return
    job = jobs.job(st.session_state.get(PROGRESS_KEY))
    if job is None:
        return
    if not job.finished.is_set():
        st.progress(job.fraction, text=f"Envoi en cours : {job.done} sur {job.total} courriel(s) traité(s)…")
        return
    st.session_state.pop(PROGRESS_KEY, None)
    st.session_state[SUMMARY_KEY] = (job.error is None and not (job.report and job.report.failed), job.summary())
    st.rerun(scope="app")


def show_summary() -> None:
    """The last sending's outcome, kept in view until the next one starts."""
    done = st.session_state.get(SUMMARY_KEY)
    if done:
        ok, text = done
        first, *details = text.splitlines()
        (st.success if ok else st.warning)(escape_md(first))
        for line in details:
            st.caption(escape_md(line.strip()))
