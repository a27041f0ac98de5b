"""The jobseeker (demandeur d'emploi / participant): identity lives here and nowhere else in Relais."""

from __future__ import annotations

import unicodedata
from datetime import date


def age_band(birth_date: date | None, on: date) -> str | None:
    """Categorical age band, the only age information that may leave the referral service."""
    if birth_date is None:
        return None
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if years < 26:
        return "under_26"
    if years < 50:
        return "26_49"
    return "50_plus"


# Letters that no Unicode decomposition splits (œ, æ, ß): spelt out so "Lœtitia" finds "Loetitia".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


def normalised_name(*parts: str) -> str:
    """A name as the search and the duplicate check compare it: accents, case and punctuation ignored.

    ``normalised_name("Inès", "Le Floc'h") == "ines le floc h"``. Stored at write time beside the name
    (an indexed column), so neither the search nor the duplicate check depends on a database extension
    to fold accents.
    """
    text = unicodedata.normalize("NFKD", " ".join(parts)).casefold().translate(_LIGATURES)
    letters = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return " ".join(letters.split())
