"""A contract's clause terms: its legal basis, its dates and hours, and which work contracts are hires."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relais_clauses.domain.errors import InvalidClause

LEGAL_BASES = ("execution_condition", "award_criterion", "reserved")  # L2112-2, R2152-7, L2113-12/13
# Training is not a hire: the person's journey learns of it otherwise.
HIRE_TYPES = {"CDI", "CDD", "interim", "alternance", "contrat_aide", "mise_a_disposition"}


def check_terms(
    legal_basis: str, starts_on: date, ends_on: date, hours_required: Decimal, hours_mandatory: Decimal
) -> None:
    """A known legal basis, an end after the start, mandatory hours within the hours required."""
    if legal_basis not in LEGAL_BASES:
        raise InvalidClause(f"base légale inconnue : {legal_basis}")
    if ends_on <= starts_on:
        raise InvalidClause("la fin du marché doit suivre son début")
    if not Decimal("0") <= hours_mandatory <= hours_required:
        raise InvalidClause("les heures obligatoires sont comprises entre zéro et les heures requises")
