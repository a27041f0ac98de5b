"""``/v1/operations``: a buyer's operations (the unit hours are counted on)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from relais_clauses.adapters.api.deps import Text, uow_of
from relais_clauses.service_layer import contracts as handlers
from relais_shared.auth import CurrentPrincipal, require_roles
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["clauses"], responses=PROBLEM_RESPONSES)


class OperationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    buyer_org_id: uuid.UUID
    name: Text
    pooling_group: uuid.UUID | None = Field(default=None, description="Accord de globalisation")


class OperationOut(OperationIn):
    id: uuid.UUID


@router.post(
    "/operations",
    dependencies=[require_roles("buyer", "facilitator")],
    status_code=status.HTTP_201_CREATED,
    summary="Enregistrer une opération d'un acheteur",
)
async def post_operation(body: OperationIn, request: Request, principal: CurrentPrincipal) -> OperationOut:
    async with uow_of(request) as uow:
        row = await handlers.create_operation(
            uow, principal, buyer_org_id=body.buyer_org_id, name=body.name, pooling_group=body.pooling_group
        )
        return OperationOut(id=row.id, **body.model_dump())
