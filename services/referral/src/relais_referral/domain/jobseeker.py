"""The jobseeker (demandeur d'emploi / participant): identity lives here and nowhere else in Relais."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

# A category, never the nationality itself, and never origin (Conseil constitutionnel 2007-557 DC): the
# three groups the pact's equality monitoring counts by (DOMAIN.md, Indicators).
NationalityCategory = Literal["french", "eu", "non_eu"]
NATIONALITY_CATEGORIES: tuple[str, ...] = ("french", "eu", "non_eu")

# Situation codes behind the yes/no axes. Minima sociaux: RSA, ASS and AAH. Disability (health data,
# GDPR art. 9) leaves the service only as this yes/no flag, never as which code or any detail.
LONG_TERM_UNEMPLOYMENT_CODES = frozenset({"long_term_unemployed"})
MINIMUM_INCOME_CODES = frozenset({"rsa", "ass", "aah"})
DISABILITY_CODES = frozenset({"aah", "disability_recognised"})


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


class PersonFacts(Protocol):
    """What the equality axes are derived from (a jobseeker row has these attributes)."""

    @property
    def birth_date(self) -> date | None: ...
    @property
    def sex(self) -> str | None: ...
    @property
    def qpv_resident(self) -> bool | None: ...
    @property
    def nationality_category(self) -> str | None: ...
    @property
    def education_level(self) -> str | None: ...
    @property
    def situation(self) -> Iterable[str] | None: ...


@dataclass(frozen=True)
class EqualityAxes:
    """The categorical attributes the pact's equality monitoring counts people by (DOMAIN.md,
    Indicators): with the opaque id, the only facts about a person that leave this service. ``None``:
    not recorded."""

    age_band: str | None = None
    sex: str | None = None
    qpv_resident: bool | None = None
    nationality_category: str | None = None
    education_level: str | None = None
    long_term_unemployed: bool | None = None
    minimum_income: bool | None = None
    disability: bool | None = None


def equality_axes(person: PersonFacts, on: date) -> EqualityAxes:
    """The person's equality axes on the day ``on`` (the age band moves with it).

    The yes/no axes follow the recorded situation codes: the registration form lists them as boxes to
    tick, so a code that is not there reads "no", not "unknown". QPV residence is "yes" when either the
    yes/no answer or the situation code says so.
    """
    situation = set(person.situation or ())
    qpv = True if "qpv" in situation else person.qpv_resident
    return EqualityAxes(
        age_band=age_band(person.birth_date, on),
        sex=person.sex,
        qpv_resident=qpv,
        nationality_category=person.nationality_category,
        education_level=person.education_level,
        long_term_unemployed=bool(situation & LONG_TERM_UNEMPLOYMENT_CODES),
        minimum_income=bool(situation & MINIMUM_INCOME_CODES),
        disability=bool(situation & DISABILITY_CODES),
    )


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
