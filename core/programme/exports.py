"""Exports of a published programme: a printable PDF (A4), a calendar file (ICS) and the
timetable as a spreadsheet (CSV, .xlsx through core.exports). Only what a version holds
goes in: never a structure's contact details.

The PDF embeds DejaVu Sans (fonts/, with its licence), shipped with the code rather than
read from the system: CI and hosting machines may have no fonts at all, and a PDF must
print « œ », « é » and the narrow no-break space the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
from fpdf import FPDF, FontFace
from icalendar import Calendar, Event

from core.clock import PARIS, format_date, format_time
from core.exports import to_csv, to_xlsx
from core.programme.public import PublishedItem, PublishedProgramme
from db.models import ItemKind

FONTS = Path(__file__).with_name("fonts")
PITCHES_TO_COME = "Les structures présentées seront annoncées prochainement."
NNBSP = "\u202f"  # French typography: inside « », before : ; ! ?


def quoted(text: str) -> str:
    """« text », with the narrow no-break spaces French printing puts inside the quotes."""
    return f"«{NNBSP}{text}{NNBSP}»"


def span(starts_at: datetime, ends_at: datetime) -> str:
    return f"{format_time(starts_at)} – {format_time(ends_at)}"


def place(programme: PublishedProgramme) -> str:
    return ", ".join(part for part in (programme.venue, programme.address) if part) or (programme.city or "")


# ---------------------------------------------------------------- spreadsheet

COLUMNS = {"Début": "datetime64[ns, Europe/Paris]", "Fin": "datetime64[ns, Europe/Paris]", "Élément": "string",
           "Titre": "string", "Salle": "string", "Intervenants": "string", "Structure": "string",
           "Type de structure": "string", "Département": "string", "Description": "string"}


def programme_frame(programme: PublishedProgramme) -> pd.DataFrame:
    """One row per item, then one per pitch of a session, in time order (typed columns)."""
    rows = []
    for item in programme.items:
        rows.append({"Début": item.starts_at, "Fin": item.ends_at, "Élément": item.kind.label, "Titre": item.title,
                     "Salle": item.room, "Intervenants": item.speakers, "Structure": None, "Type de structure": None,
                     "Département": None, "Description": item.description})
        rows += [{"Début": p.starts_at, "Fin": p.ends_at, "Élément": "Présentation", "Titre": p.title or p.structure,
                  "Salle": item.room, "Intervenants": p.presenter, "Structure": p.structure,
                  "Type de structure": p.kind.value if p.kind else None, "Département": p.departement,
                  "Description": None} for p in item.pitches]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("Début", "Fin"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(PARIS)
    return frame.astype({name: kind for name, kind in COLUMNS.items() if kind == "string"})


def programme_csv(programme: PublishedProgramme) -> bytes:
    return to_csv(programme_frame(programme))


def programme_xlsx(programme: PublishedProgramme) -> bytes:
    return to_xlsx(programme_frame(programme), sheet_title=f"Programme {programme.edition_number}")


def export_name(programme: PublishedProgramme, extension: str) -> str:
    return f"programme-rencontre-{programme.edition_number}-v{programme.version}.{extension}"


# ---------------------------------------------------------------- calendar


def _event_description(item: PublishedItem) -> str:
    lines = [item.description or "", f"Intervenants : {item.speakers}" if item.speakers else ""]
    lines += [f"{format_time(p.starts_at)} {p.structure}" + (f" ({p.presenter})" if p.presenter else "")
              for p in item.pitches]
    return "\n".join(line for line in lines if line)


def programme_ics(programme: PublishedProgramme) -> bytes:
    """One event per item, in Europe/Paris (with its VTIMEZONE). Each event keeps its UID
    across versions, with the version as SEQUENCE, so a subscribed calendar updates it."""
    calendar = Calendar()
    calendar.add("prodid", "-//OpenMap candidatures//Programme//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"OpenMap — {programme.title}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    where = place(programme)
    for item in programme.items:
        event = Event()
        event.add("uid", f"rencontre-{programme.edition_number}-element-{item.id}@openmap")
        event.add("dtstamp", programme.published_at)
        event.add("sequence", programme.version)
        event.add("dtstart", item.starts_at.astimezone(PARIS))
        event.add("dtend", item.ends_at.astimezone(PARIS))
        event.add("summary", item.title)
        event.add("location", " — ".join(part for part in (item.room, where) if part))
        description = _event_description(item)
        if description:
            event.add("description", description)
        calendar.add_component(event)
    # The zone's rules around the edition's year only: a short VTIMEZONE, still right on its day.
    year = programme.event_date.year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()


# ---------------------------------------------------------------- PDF

_FONT = "DejaVu"
_WIDTHS = (32, 118, 40)  # time, item, room: 190 mm inside A4's 10 mm margins
_PITCH_WIDTHS = (32, 70, 50, 20, 18)


class _Programme(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, size=8)
        self.cell(0, 6, f"Page {self.page_no()} / {{nb}}", align="C")


def _document(programme: PublishedProgramme) -> FPDF:
    pdf = _Programme(format="A4")
    pdf.set_margins(10, 12, 10)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font(_FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(_FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(f"Programme — {programme.title}")
    pdf.set_lang("fr-FR")
    pdf.set_creator("OpenMap candidatures")
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, programme: PublishedProgramme) -> None:
    pdf.set_font(_FONT, "B", 18)
    pdf.multi_cell(0, 9, programme.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 11)
    day = format_date(programme.event_date, weekday=True)
    pdf.multi_cell(0, 6, f"{day[0].upper()}{day[1:]}, de {format_time(programme.start_time)} "
                         f"à {format_time(programme.end_time)}", new_x="LMARGIN", new_y="NEXT")
    if place(programme):
        pdf.multi_cell(0, 6, place(programme), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 8)
    pdf.multi_cell(0, 5, f"Version {programme.version} publiée le {format_date(programme.published_at)}"
                         + (f"{NNBSP}: {programme.note}" if programme.note else ""), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _table(pdf: FPDF, widths: tuple[int, ...], header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    pdf.set_font(_FONT, "", 9)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5, first_row_as_headings=True,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 245))) as table:
        heading = table.row()
        for text in header:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)


def _item_text(item: PublishedItem) -> str:
    parts = [item.title]
    if item.speakers:
        parts.append(f"Avec {item.speakers}")
    if item.description:
        parts.append(item.description)
    return "\n".join(parts)


_PAGE_LINES = 45  # of 5 mm: what one A4 page holds under the table's heading, with room to spare


def _fitting(pdf: FPDF, text: str, width: float) -> str:
    """The cell's text cut, with « … », to what one page holds: fpdf2 never breaks a table
    row across pages, and a taller one (a long list of lines) made the whole PDF fail."""
    pdf.set_font(_FONT, "", 9)
    lines = pdf.multi_cell(width - 2 * pdf.c_margin, 5, text, dry_run=True, output="LINES")
    return text if len(lines) <= _PAGE_LINES else "\n".join(lines[:_PAGE_LINES - 1]) + "\n…"


def programme_pdf(programme: PublishedProgramme) -> bytes:
    """A4: title, date, venue, the timetable, then the list of each session's pitches."""
    pdf = _document(programme)
    _heading(pdf, programme)
    pdf.set_font(_FONT, "B", 13)
    pdf.cell(0, 8, "Déroulé", new_x="LMARGIN", new_y="NEXT")
    _table(pdf, _WIDTHS, ("Horaire", "Séquence", "Salle"),
           [(span(i.starts_at, i.ends_at), _fitting(pdf, _item_text(i), _WIDTHS[1]), i.room or "")
            for i in programme.items])
    for item in programme.items:
        if item.kind != ItemKind.PITCHES:
            continue
        pdf.ln(4)
        pdf.set_font(_FONT, "B", 13)
        pdf.multi_cell(0, 7, quoted(item.title), new_x="LMARGIN", new_y="NEXT")
        if not item.pitches:
            pdf.set_font(_FONT, "", 9)
            pdf.cell(0, 6, PITCHES_TO_COME, new_x="LMARGIN", new_y="NEXT")
            continue
        _table(pdf, _PITCH_WIDTHS, ("Horaire", "Structure", "Présentée par", "Type", "Dép."),
               [(span(p.starts_at, p.ends_at), p.structure + (f"\n{quoted(p.title)}" if p.title else ""),
                 p.presenter or "", p.kind.value if p.kind else "", p.departement or "") for p in item.pitches])
    return bytes(pdf.output())

