"""Referrals (orientations) between organisations of the pact."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from relais_referral.api.deps import Caller, Sessions, Settings, audited_refusals
from relais_referral.api.schemas import ReferralIn, ReferralOut
from relais_referral.db.models import infra
from relais_referral.service_layer.handlers import (
    NotFound,
    SubmitReferral,
    acknowledge_referral,
    submit_referral,
)
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.idempotency import find_previous, remember, request_hash
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses=PROBLEM_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Rejouer la même requête avec la même clé ne crée qu'une orientation",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Orienter une personne vers une autre organisation",
    response_model=ReferralOut,
)
async def post_referral(
    body: ReferralIn,
    request: Request,
    principal: Caller,
    sessions: Sessions,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    body_hash = request_hash(body.model_dump(mode="json"))
    path = request.url.path
    async with audited_refusals(
        sessions, principal, action="refer", resource_type="jobseeker", resource_id=str(body.jobseeker_id)
    ):
        for attempt in range(2):
            try:
                async with UnitOfWork(sessions) as uow:
                    if idempotency_key:
                        previous = await find_previous(
                            uow.session,
                            infra.idempotency_keys,
                            principal,
                            idempotency_key,
                            "POST",
                            path,
                            body_hash,
                        )
                        if previous is not None:
                            return JSONResponse(
                                previous.body,
                                status_code=previous.status_code,
                                headers={"Idempotent-Replayed": "true"},
                            )
                    referral = await submit_referral(
                        uow,
                        principal,
                        SubmitReferral(**body.model_dump()),
                        settings.acknowledgement_working_days,
                    )
                    out = ReferralOut.of(referral).model_dump(mode="json")
                    if idempotency_key:
                        await remember(
                            uow.session,
                            infra.idempotency_keys,
                            principal,
                            idempotency_key,
                            "POST",
                            path,
                            body_hash,
                            201,
                            out,
                        )
                return JSONResponse(out, status_code=201, headers={"Location": f"{path}/{referral.id}"})
            except IntegrityError:
                # A concurrent request with the same key won the race; the retry returns its answer.
                if attempt == 1 or not idempotency_key:
                    raise
    raise AssertionError("unreachable")


@router.get("/{referral_id}", summary="Consulter une orientation")
async def get_referral(referral_id: uuid.UUID, principal: Caller, sessions: Sessions) -> ReferralOut:
    async with (
        audited_refusals(
            sessions, principal, action="read", resource_type="referral", resource_id=str(referral_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        referral = await uow.referrals.get(referral_id)
        if referral is None or not referral.involves(principal.org_id):
            raise NotFound("referral")
        return ReferralOut.of(referral)


@router.post("/{referral_id}/acknowledge", summary="Accuser réception d'une orientation reçue")
async def post_acknowledge(referral_id: uuid.UUID, principal: Caller, sessions: Sessions) -> ReferralOut:
    async with (
        audited_refusals(
            sessions, principal, action="acknowledge", resource_type="referral", resource_id=str(referral_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        referral = await acknowledge_referral(uow, principal, referral_id)
        return ReferralOut.of(referral)
