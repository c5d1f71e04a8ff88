"""What the editions and calls tests share: their data, saving them, counting rows."""

from datetime import date, time

from sqlalchemy import func, select

from core.calls import calls, editions
from core.calls.calls import CallData
from core.calls.editions import EditionData
from db.engine import read_only, unit_of_work


def edition_data(**changes) -> EditionData:
    values = dict(number=7, title="Rencontre n° 7", event_date=date(2027, 6, 10), start_time=time(9, 0),
                  end_time=time(12, 30), venue="Salle des fêtes", address="1 place de la Mairie",
                  city="Argenteuil", description="Matinée d'échanges.")
    values.update(changes)
    return EditionData(**values)


def call_data(edition_id: int, **changes) -> CallData:
    values = dict(edition_id=edition_id, theme_title="Bâtiment", opens_on=date(2027, 1, 10), opens_time=time(9, 0),
                  closes_on=date(2027, 2, 10), closes_time=time(18, 0), pitch_slots=6, pitch_minutes=5,
                  eligible_kinds=("EI", "ACI"), eligible_departements=("95", "93"))
    values.update(changes)
    return CallData(**values)


def save_edition(actor, data, **kwargs) -> int:
    with unit_of_work() as session:
        return editions.save_edition(session, actor=actor, data=data, **kwargs)


def save_call(actor, data, **kwargs) -> int:
    with unit_of_work() as session:
        return calls.save_call(session, actor=actor, data=data, **kwargs)


def count(model, *where) -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))
