"""``/v1/counting-rules``: a buyer's versioned counting rules."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses.adapters.api.deps import HoursValue, uow_of
from relais_clauses.domain.counting import ContractType, CountingRules, Mode
from relais_clauses.service_layer import contracts as handlers
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    training_ratio: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("1")
    flat_hours: dict[ContractType, HoursValue] = Field(default_factory=dict)
    cap_per_participant: HoursValue | None = None
    cap_per_mode: dict[Mode, HoursValue] = Field(default_factory=dict)


class RulesOut(RulesIn):
    buyer_org_id: uuid.UUID
    version: int


@router.post(
    "/counting-rules",
    dependencies=[require_roles("buyer")],
    status_code=status.HTTP_201_CREATED,
    summary="Publier une version des règles de comptage de l'acheteur",
)
async def post_rules(body: RulesIn, request: Request, principal: CurrentPrincipal) -> RulesOut:
    rules = CountingRules(
        training_ratio=body.training_ratio,
        flat_hours={k.value: v for k, v in body.flat_hours.items()},
        cap_per_participant=body.cap_per_participant,
        cap_per_mode={k.value: v for k, v in body.cap_per_mode.items()},
    )
    async with uow_of(request) as uow:
        row = await handlers.publish_rules(uow, principal, rules)
        return RulesOut(buyer_org_id=row.buyer_org_id, version=row.version, **body.model_dump())
