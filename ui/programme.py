"""Showing a programme: the published timetable as a phone reads it, its downloads, and
the editor's timeline (Altair)."""

from __future__ import annotations

from collections import Counter

import altair as alt
import pandas as pd
import streamlit as st

from core.clock import PARIS, format_date, format_time
from core.programme.exports import (
    PITCHES_TO_COME,
    export_name,
    place,
    programme_csv,
    programme_ics,
    programme_pdf,
    programme_xlsx,
    span,
)
from core.programme.public import PublishedItem, PublishedProgramme, calendar_path
from core.settings import settings
from db.models import ItemKind
from ui.charts import show_chart
from ui.forms import escape_md
from ui.tables import XLSX_MIME


def _pitch_line(pitch) -> str:
    facts = ", ".join(part for part in (pitch.kind.value if pitch.kind else None, pitch.departement) if part)
    line = f"**{format_time(pitch.starts_at)}** {escape_md(pitch.structure)}"
    if facts:
        line += f" ({escape_md(facts)})"
    if pitch.presenter:
        line += f", présentée par {escape_md(pitch.presenter)}"
    if pitch.title:
        line += f"  \n« {escape_md(pitch.title)} »"
    return f"- {line}"


def _item(item: PublishedItem) -> str:
    """One item as markdown: its times and title, room and speakers, description, pitches."""
    lines = [f"**{format_time(item.starts_at)} – {format_time(item.ends_at)}** · {escape_md(item.title)}"]
    facts = [part for part in (item.room, item.speakers) if part]
    if facts:
        lines.append(f":gray[{' · '.join(escape_md(part) for part in facts)}]")
    if item.description:
        lines.append(escape_md(item.description))
    if item.kind == ItemKind.PITCHES and not item.pitches:
        lines.append(f"*{PITCHES_TO_COME}*")
    text = "  \n".join(lines)
    if item.pitches:
        text += "\n\n" + "\n".join(_pitch_line(pitch) for pitch in item.pitches)
    return text


def show_published(programme: PublishedProgramme, *, key: str) -> None:
    """The timetable, one item after the other (a table would not fit a phone), then the
    downloads; `key` tells apart the buttons of several programmes on one page. The whole
    timetable is one markdown element: sixty elements would cost the page ten times more."""
    day = format_date(programme.event_date, weekday=True)
    st.markdown(f"**{day[0].upper()}{day[1:]}**, de {format_time(programme.start_time)} "
                f"à {format_time(programme.end_time)}  \n{escape_md(place(programme))}")
    st.caption(f"Version {programme.version} du programme, publiée le {format_date(programme.published_at)}"
               + (f" : {escape_md(programme.note)}" if programme.note else ""))
    with st.container(border=True):
        st.markdown("\n\n---\n\n".join(_item(item) for item in programme.items))
    downloads(programme, key=key)


def downloads(programme: PublishedProgramme, *, key: str) -> None:
    """PDF, calendar and spreadsheet files, each built only when clicked; the calendar's address."""
    with st.container(horizontal=True):
        st.download_button("Programme (PDF)", lambda: programme_pdf(programme), export_name(programme, "pdf"),
                           mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:",
                           key=f"pdf-{key}")
        st.download_button("Agenda (ICS)", lambda: programme_ics(programme), export_name(programme, "ics"),
                           mime="text/calendar", on_click="ignore", icon=":material/event:", key=f"ics-{key}")
        st.download_button("Tableur (Excel)", lambda: programme_xlsx(programme), export_name(programme, "xlsx"),
                           mime=XLSX_MIME, on_click="ignore", icon=":material/download:", key=f"xlsx-{key}")
        st.download_button("Tableur (CSV)", lambda: programme_csv(programme), export_name(programme, "csv"),
                           mime="text/csv", on_click="ignore", icon=":material/download:", key=f"csv-{key}")
    address = settings().base_url + calendar_path(programme.edition_number)
    st.caption("Pour suivre les mises à jour dans votre agenda, abonnez-vous à l'adresse :")
    st.code(address, language=None)


# ---------------------------------------------------------------- the editor


def pitch_labels(pitches) -> dict[int, str]:
    """candidacy id → its label in the « structure à déplacer » box. A selectbox holds its
    choice by label: two structures of one name (different SIRET) would be one choice, and
    the buttons would move the other one. So a shared name gets its département and
    presenter, and its file number if even they are the same."""
    def detailed(pitch) -> str:
        facts = ", ".join(part for part in (pitch.departement, pitch.presenter) if part)
        return f"{pitch.structure} ({facts})" if facts else pitch.structure

    names = Counter(p.structure for p in pitches)
    labels = {p.candidacy_id: p.structure if names[p.structure] == 1 else detailed(p) for p in pitches}
    shared = Counter(labels.values())
    return {i: label if shared[label] == 1 else f"{label} — dossier n° {i}" for i, label in labels.items()}


# ---------------------------------------------------------------- the editor's timeline


def timeline_frame(items) -> pd.DataFrame:
    """One row per item (Paris wall-clock times, naive: the chart shows them as they are)."""
    rows = [{"Élément": item.title, "Type": item.kind.label, "Salle": item.room or "Salle principale",
             "Début": item.starts_at.astimezone(PARIS).replace(tzinfo=None),
             "Fin": item.ends_at.astimezone(PARIS).replace(tzinfo=None),
             "Horaire": span(item.starts_at, item.ends_at)} for item in items]
    return pd.DataFrame(rows, columns=["Élément", "Type", "Salle", "Début", "Fin", "Horaire"])


def timeline_chart(frame: pd.DataFrame, end: pd.Timestamp) -> alt.LayerChart:
    y = alt.Y("Élément:N", title=None, sort=None, axis=alt.Axis(labelLimit=220))
    x = alt.X("Début:T", title=None, axis=alt.Axis(format="%H:%M", tickCount="hour"),
              scale=alt.Scale(domain=[frame["Début"].min(), end]))
    tooltip = ["Élément:N", "Type:N", "Salle:N", "Horaire:N"]
    bars = alt.Chart(frame).mark_bar(cornerRadius=3).encode(
        x=x, x2="Fin:T", y=y, color=alt.Color("Type:N", legend=alt.Legend(orient="bottom", title=None)),
        tooltip=tooltip)
    labels = alt.Chart(frame).mark_text(align="left", dx=4, fontSize=11).encode(
        x="Fin:T", y=y, text="Repère:N", tooltip=tooltip)
    return alt.layer(bars, labels).properties(height=alt.Step(26))


def show_timeline(items) -> None:
    """The morning at a glance: one row per item, a bar from its start to its end coloured
    by kind, its times and room written beside it (a short pause stays readable)."""
    frame = timeline_frame(items)
    if frame.empty:
        return
    frame["Repère"] = frame["Horaire"] + " · " + frame["Salle"]
    # Room on the right for the last item's label.
    end = frame["Fin"].max() + pd.Timedelta(minutes=75)
    show_chart(timeline_chart, frame, end,
               description="Frise de la matinée : chaque élément du programme de son début à sa fin")
