"""Referral deadlines: a versioned setting per receiving organisation kind."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlalchemy import select

from relais_referral.api.deps import Caller, Context, Sessions, Uow, require_roles
from relais_referral.api.schemas import PolicyIn, PolicyOut
from relais_referral.db.models import PolicyRow
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.service_layer.directory import publish_policy
from relais_shared.auth import ROLES
from relais_shared.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1/referral-policies", tags=["settings"], responses=PROBLEM_RESPONSES)


@router.get("", dependencies=[require_roles(*ROLES)], summary="Délais en vigueur et historique des versions")
async def list_policies(principal: Caller, sessions: Sessions) -> list[PolicyOut]:
    async with sessions() as session:
        rows = await session.execute(select(PolicyRow).order_by(PolicyRow.org_kind, PolicyRow.version))
        return [PolicyOut.model_validate(row) for row in rows.scalars()]


@router.post(
    "/{org_kind}",
    dependencies=[require_roles("coordinator", "admin")],
    status_code=status.HTTP_201_CREATED,
    summary="Publier une nouvelle version des délais ('*' = par défaut)",
)
async def post_policy(
    org_kind: Annotated[str, Path(max_length=40)], body: PolicyIn, principal: Caller, uow: Uow, ctx: Context
) -> PolicyOut:
    try:
        policy = ReferralPolicy(**body.model_dump())
    except ValueError as exc:
        raise Problem("validation-error", str(exc)) from exc
    async with uow:
        saved = await publish_policy(uow, principal, org_kind, policy, ctx)
        return PolicyOut(org_kind=org_kind, **saved.__dict__)
