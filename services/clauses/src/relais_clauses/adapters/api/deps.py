"""What every router of the clauses API shares: the unit of work, settings, today, field types
(perimeters are the handlers' business: see ``app.py``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Request
from pydantic import Field

from relais_clauses.adapters.unit_of_work import UnitOfWork
from relais_clauses.domain.hours import PARIS
from relais_clauses.settings import ClausesSettings
from relais_shared.auth import Principal

CLAUSE_ROLES = ("facilitator", "buyer", "employer", "coordinator")
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
Reference = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
Siret = Annotated[str, Field(min_length=14, max_length=17, pattern=r"^[0-9 ]+$")]
HoursValue = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=12, decimal_places=2)]
Amount = Annotated[Decimal, Field(ge=0, le=10**11, max_digits=14, decimal_places=2)]


def uow_of(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.sessions)


def settings_of(request: Request) -> ClausesSettings:
    settings: ClausesSettings = request.app.state.settings
    return settings


def is_coordination(request: Request, principal: Principal) -> bool:
    """The pact coordination's coordinators read every clause."""
    return bool(
        principal.has_role("coordinator") and principal.org_id == settings_of(request).coordination_org_id
    )


def today() -> date:
    return datetime.now(UTC).astimezone(PARIS).date()
