"""The jobseeker (demandeur d'emploi / participant): identity lives here and nowhere else in Relais."""

from __future__ import annotations

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
