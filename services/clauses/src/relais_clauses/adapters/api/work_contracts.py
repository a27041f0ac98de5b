"""``/v1/contracts/{id}/work-contracts``: participants hired on a contract, and their hours."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses.adapters.api.deps import CLAUSE_ROLES, Siret, settings_of, today, uow_of
from relais_clauses.domain.counting import ContractType, Mode
from relais_clauses.service_layer.hours import hires_of
from relais_clauses.service_layer.participants import Hire, hire
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class HireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID
    mode: Mode
    contract_type: ContractType
    starts_on: date
    ends_on: date | None = None
    employer_siret: Siret
    weekly_hours: Annotated[Decimal, Field(gt=0, le=48)] | None = None


class WorkContractOut(BaseModel):
    id: uuid.UUID
    contract_id: uuid.UUID
    participant_id: uuid.UUID
    decision_id: uuid.UUID
    mode: str
    contract_type: str
    starts_on: date
    ends_on: date | None


@router.post(
    "/contracts/{contract_id}/work-contracts",
    dependencies=[require_roles("facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Enregistrer l'embauche d'un participant (éligibilité validée à la date d'embauche)",
)
async def post_hire(
    contract_id: uuid.UUID, body: HireIn, request: Request, principal: CurrentPrincipal
) -> WorkContractOut:
    async with uow_of(request) as uow:
        row = await hire(
            uow,
            principal,
            Hire(
                contract_id=contract_id,
                participant_id=body.participant_id,
                mode=body.mode.value,
                contract_type=body.contract_type.value,
                starts_on=body.starts_on,
                ends_on=body.ends_on,
                employer_siret=body.employer_siret,
                weekly_hours=body.weekly_hours,
            ),
            settings_of(request).coordination_org_id,
        )
        return WorkContractOut.model_validate(row, from_attributes=True)


class HireOut(WorkContractOut):
    hours_declared: Decimal = Field(description="Heures déclarées (dernière version de chaque période)")
    periods_declared: int
    last_period: date | None
    missing_periods: list[date] = Field(
        description="Périodes terminées du contrat de travail sans heures déclarées, la plus ancienne d'abord"
    )


@router.get(
    "/contracts/{contract_id}/work-contracts",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Les contrats de travail des participants sur ce marché, et leurs heures déclarées",
)
async def list_hires(contract_id: uuid.UUID, request: Request, principal: CurrentPrincipal) -> list[HireOut]:
    async with uow_of(request) as uow:
        hires = await hires_of(uow, principal, contract_id, settings_of(request).coordination_org_id, today())
        return [
            HireOut(
                **WorkContractOut.model_validate(h.row, from_attributes=True).model_dump(),
                hours_declared=h.hours_declared,
                periods_declared=h.periods_declared,
                last_period=h.last_period,
                missing_periods=h.missing_periods,
            )
            for h in hires
        ]
