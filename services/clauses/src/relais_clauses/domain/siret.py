"""SIRET numbers of contractors, co-contractors and subcontractors, checked with python-stdnum."""

from __future__ import annotations

from stdnum import exceptions
from stdnum.fr import siret


class InvalidSiret(ValueError):
    pass


def normalise_siret(value: str) -> str:
    """The 14 digits of a valid SIRET (spaces removed); La Poste's establishments are accepted as
    the library accepts them (their numbers do not follow the Luhn rule)."""
    try:
        return str(siret.validate(value))
    except exceptions.ValidationError as exc:
        raise InvalidSiret(f"SIRET invalide : {exc}") from exc
