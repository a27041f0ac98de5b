"""SIRET numbers of contractors, co-contractors and subcontractors, checked with python-stdnum."""

from __future__ import annotations

from stdnum import exceptions
from stdnum.fr import siret

from relais_clauses.domain.errors import InvalidClause


class InvalidSiret(ValueError):
    pass


def normalise_siret(value: str) -> str:
    """The 14 digits of a valid SIRET (spaces removed); La Poste's establishments are accepted as
    the library accepts them (their numbers do not follow the Luhn rule)."""
    try:
        return str(siret.validate(value))
    except exceptions.ValidationError as exc:
        raise InvalidSiret(f"SIRET invalide : {_WHY.get(type(exc), 'le numéro est incorrect')}.") from exc


# python-stdnum explains in English; the user reads French.
_WHY: dict[type[exceptions.ValidationError], str] = {
    exceptions.InvalidChecksum: "la clé de contrôle ne correspond pas (un chiffre est sans doute erroné)",
    exceptions.InvalidLength: "un SIRET compte 14 chiffres",
    exceptions.InvalidFormat: "un SIRET ne contient que des chiffres",
    exceptions.InvalidComponent: "le SIREN qu'il contient n'est pas valide",
}


def checked_siret(value: str, field_name: str) -> str:
    """``normalise_siret`` for a command's field: an invalid number names the field it came in."""
    try:
        return normalise_siret(value)
    except ValueError as exc:
        raise InvalidClause(str(exc), [{"field": field_name, "message": str(exc), "code": "siret"}]) from exc
