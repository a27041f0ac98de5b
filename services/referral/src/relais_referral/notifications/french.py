"""French wording of dates and durations, independent of the host's locale (servers often run in C.UTF-8)."""

from __future__ import annotations

from datetime import date

_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_date_fr(day: date) -> str:
    """« vendredi 4 décembre 2026 »; the first of the month is written « 1er »."""
    day_of_month = "1er" if day.day == 1 else str(day.day)
    return f"{_WEEKDAYS[day.weekday()]} {day_of_month} {_MONTHS[day.month - 1]} {day.year}"


def working_days_fr(count: int) -> str:
    """« 1 jour ouvré », « 5 jours ouvrés » (French keeps 0 and 1 singular)."""
    return f"{count} jour ouvré" if count < 2 else f"{count} jours ouvrés"
