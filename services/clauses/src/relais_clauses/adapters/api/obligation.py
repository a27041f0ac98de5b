"""``/v1/contracts/{id}/obligation`` and ``…/penalty``: what the monitor found, the penalty procedure."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses.adapters.api.deps import CLAUSE_ROLES, Amount, Reference, settings_of, today, uow_of
from relais_clauses.service_layer import penalties
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class ObligationStateOut(BaseModel):
    contract_id: uuid.UUID
    at_risk_since: date | None
    reconciled_on: date | None
    realised: Decimal | None
    missing: Decimal | None
    proposed_penalty: Decimal | None
    observations_due: date | None
    penalty_status: str | None
    final_penalty: Decimal | None
    observations_reference: str | None = None
    decided_on: date | None = None


class ObservationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: Reference = Field(description="Référence du courrier d'observations du titulaire")


class PenaltyDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount


@router.post(
    "/contracts/{contract_id}/penalty/observations",
    dependencies=[require_roles("employer")],
    summary="Le titulaire présente ses observations sur la pénalité proposée (procédure contradictoire)",
)
async def post_observations(
    contract_id: uuid.UUID, body: ObservationsIn, request: Request, principal: CurrentPrincipal
) -> ObligationStateOut:
    async with uow_of(request) as uow:
        state = await penalties.present_observations(
            uow, principal, contract_id, body.reference, settings_of(request).coordination_org_id
        )
        return ObligationStateOut.model_validate(state, from_attributes=True)


@router.post(
    "/contracts/{contract_id}/penalty/decision",
    dependencies=[require_roles("buyer")],
    summary="L'acheteur arrête la pénalité, après les observations ou l'expiration de leur délai",
)
async def post_penalty_decision(
    contract_id: uuid.UUID, body: PenaltyDecisionIn, request: Request, principal: CurrentPrincipal
) -> ObligationStateOut:
    async with uow_of(request) as uow:
        state = await penalties.decide_penalty(
            uow, principal, contract_id, body.amount, today(), settings_of(request).coordination_org_id
        )
        return ObligationStateOut.model_validate(state, from_attributes=True)


@router.get(
    "/contracts/{contract_id}/obligation",
    dependencies=[require_roles(*CLAUSE_ROLES)],
    summary="Ce que le suivi a constaté : en risque depuis, bilan de fin de marché, procédure de pénalité",
)
async def get_obligation(
    contract_id: uuid.UUID, request: Request, principal: CurrentPrincipal
) -> ObligationStateOut:
    async with uow_of(request) as uow:
        state = await penalties.obligation_of(
            uow, principal, contract_id, settings_of(request).coordination_org_id
        )
        return ObligationStateOut.model_validate(state, from_attributes=True)
