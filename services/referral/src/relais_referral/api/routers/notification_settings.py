"""How an organisation hears of the referrals it receives: one e-mail each, or a daily digest."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from relais_referral.api.deps import Caller, Context, Uow, require_roles
from relais_referral.service_layer.arrival_mail import set_mail_mode
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/organisations", tags=["organisations"], responses=PROBLEM_RESPONSES)


class ReferralMailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["immediate", "digest"]


class ReferralMailOut(BaseModel):
    org_id: uuid.UUID
    mode: Literal["immediate", "digest"]


@router.put(
    "/{org_id}/referral-mail",
    dependencies=[require_roles("counsellor", "admin")],
    summary="Courriel à chaque orientation reçue (immediate) ou récapitulatif quotidien (digest)",
    description="Le courriel nomme l'orientation par sa référence, les structures et les dates, avec un "
    "lien vers `/orientations/<id>` ; jamais la personne.",
)
async def put_referral_mail(
    org_id: uuid.UUID, body: ReferralMailIn, principal: Caller, uow: Uow, ctx: Context
) -> ReferralMailOut:
    async with uow:
        row = await set_mail_mode(uow, principal, org_id, body.mode, ctx)
        return ReferralMailOut(org_id=row.id, mode=body.mode)
