"""Time: stored in UTC, shown in Europe/Paris, written the French way."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def paris_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time in Paris (daylight saving handled)."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def format_date(day: date | datetime, *, weekday: bool = False) -> str:
    """« 21 novembre 2019 » (« jeudi 21 novembre 2019 » with weekday)."""
    if isinstance(day, datetime):
        day = to_paris(day).date()
    first = "1er" if day.day == 1 else str(day.day)
    text = f"{first} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def format_time(at: time | datetime) -> str:
    """« 09 h 30 »."""
    if isinstance(at, datetime):
        at = to_paris(at).time()
    return f"{at.hour:02d} h {at.minute:02d}"


def format_datetime(moment: datetime) -> str:
    """« 21 novembre 2019 à 09 h 30 », in Paris time."""
    local = to_paris(moment)
    return f"{format_date(local.date())} à {format_time(local.time())}"
