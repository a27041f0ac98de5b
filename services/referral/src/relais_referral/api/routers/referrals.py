"""Referrals (orientations) between organisations of the pact."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from relais_referral.api.deps import Caller, Context, Sessions, audited_refusals, require_roles
from relais_referral.api.schemas import (
    AppointmentIn,
    AppointmentOutcomeIn,
    ClosingIn,
    OrganisationOut,
    ReferralIn,
    ReferralOut,
    RefusalIn,
)
from relais_referral.db.models import OrganisationRow, infra
from relais_referral.domain.errors import NotAllowed
from relais_referral.service_layer import referrals as handlers
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.deadlines import Deadlines
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.referrals import SubmitReferral, submit_referral
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.audit import record_access
from relais_shared.auth import Principal
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
CAPACITY_WARNING = {
    "full": "La structure destinataire s'est déclarée complète : l'orientation est envoyée, "
    "voici des alternatives.",
    "waitlist": "La structure destinataire a une liste d'attente : "
    "le délai de prise en charge peut être long.",
}


@router.post(
    "",
    dependencies=[require_roles("counsellor")],
    status_code=status.HTTP_201_CREATED,
    summary="Orienter une personne vers une autre organisation",
    response_model=ReferralOut,
)
async def post_referral(
    body: ReferralIn,
    request: Request,
    principal: Caller,
    sessions: Sessions,
    ctx: Context,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    body_hash = request_hash(body.model_dump(mode="json"))
    path = request.url.path
    async with audited_refusals(
        sessions, principal, action="refer", resource_type="jobseeker", resource_id=str(body.jobseeker_id)
    ):
        # find_previous holds the key's lock until this transaction ends: a concurrent request with
        # the same key waits here, then replays this one's answer.
        async with UnitOfWork(sessions) as uow:
            if idempotency_key:
                previous = await find_previous(
                    uow.session, infra.idempotency_keys, principal, idempotency_key, "POST", path, body_hash
                )
                if previous is not None:
                    return JSONResponse(
                        previous.body,
                        status_code=previous.status_code,
                        headers={"Idempotent-Replayed": "true"},
                    )
            referral = await submit_referral(uow, principal, SubmitReferral(**body.model_dump()), ctx)
            out = ReferralOut.of(referral, await Deadlines(uow.session, ctx.departement).next_of(referral))
            await _capacity_advice(uow, out)
            payload = out.model_dump(mode="json")
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
                    payload,
                )
        return JSONResponse(payload, status_code=201, headers={"Location": f"{path}/{referral.id}"})


async def _capacity_advice(uow: UnitOfWork, out: ReferralOut) -> None:
    """DOMAIN rule 4: submitting to a full service warns and suggests open ones of the same kind nearby."""
    receiver = await uow.session.get(OrganisationRow, out.receiver_org_id)
    if receiver is None or receiver.capacity_status == "open":
        return
    out.warnings.append(CAPACITY_WARNING[receiver.capacity_status])
    rows = await uow.session.execute(
        select(OrganisationRow)
        .where(
            OrganisationRow.kind == receiver.kind,
            OrganisationRow.capacity_status == "open",
            OrganisationRow.id != receiver.id,
            OrganisationRow.id != out.sender_org_id,
        )
        .order_by((OrganisationRow.departement == receiver.departement).desc(), OrganisationRow.name)
        .limit(5)
    )
    out.alternatives = [OrganisationOut.model_validate(row) for row in rows.scalars()]


@router.get("/{referral_id}", dependencies=[require_roles("counsellor")], summary="Consulter une orientation")
async def get_referral(
    referral_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context
) -> ReferralOut:
    async with (
        audited_refusals(
            sessions, principal, action="read", resource_type="referral", resource_id=str(referral_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        referral = await uow.referrals.get(referral_id)
        if referral is None or not referral.involves(principal.org_id):
            raise NotFound("referral")
        if not principal.has_role("counsellor"):  # as declared on the route
            raise NotAllowed("Une orientation (motif, commentaires) n'est lue que par des conseillers.")
        await record_access(
            uow.session,
            infra.audit_log,
            principal,
            action="read",
            resource_type="referral",
            resource_id=str(referral_id),
        )
        return ReferralOut.of(referral, await Deadlines(uow.session, ctx.departement).next_of(referral))


async def _act(
    sessions: Sessions,
    principal: Principal,
    ctx: PactContext,
    referral_id: uuid.UUID,
    command: handlers.ReferralCommand,
) -> ReferralOut:
    async with (
        audited_refusals(
            sessions, principal, action=command.name, resource_type="referral", resource_id=str(referral_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        referral = await handlers.act_on_referral(uow, principal, referral_id, command, ctx)
        return ReferralOut.of(referral, await Deadlines(uow.session, ctx.departement).next_of(referral))


@router.post(
    "/{referral_id}/acknowledge",
    dependencies=[require_roles("counsellor")],
    summary="Accuser réception (structure destinataire)",
)
async def acknowledge(
    referral_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context
) -> ReferralOut:
    return await _act(sessions, principal, ctx, referral_id, handlers.Acknowledge())


@router.post(
    "/{referral_id}/appointment",
    dependencies=[require_roles("counsellor")],
    summary="Fixer (ou refixer) le rendez-vous d'accueil",
)
async def schedule(
    referral_id: uuid.UUID, body: AppointmentIn, principal: Caller, sessions: Sessions, ctx: Context
) -> ReferralOut:
    return await _act(
        sessions, principal, ctx, referral_id, handlers.ScheduleAppointment(body.appointment_at)
    )


@router.post(
    "/{referral_id}/appointment-outcome",
    dependencies=[require_roles("counsellor")],
    summary="Saisir le résultat du rendez-vous",
)
async def appointment_outcome(
    referral_id: uuid.UUID, body: AppointmentOutcomeIn, principal: Caller, sessions: Sessions, ctx: Context
) -> ReferralOut:
    return await _act(sessions, principal, ctx, referral_id, handlers.RecordAppointmentOutcome(body.outcome))


@router.post(
    "/{referral_id}/accept",
    dependencies=[require_roles("counsellor")],
    summary="Accepter : prise en charge (devient référent)",
)
async def accept(referral_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context) -> ReferralOut:
    return await _act(sessions, principal, ctx, referral_id, handlers.Accept())


@router.post(
    "/{referral_id}/refuse",
    dependencies=[require_roles("counsellor")],
    summary="Refuser avec un motif (retour à l'orienteur)",
)
async def refuse(
    referral_id: uuid.UUID, body: RefusalIn, principal: Caller, sessions: Sessions, ctx: Context
) -> ReferralOut:
    return await _act(
        sessions,
        principal,
        ctx,
        referral_id,
        handlers.Refuse(body.reason, body.comment, body.shared_with_jobseeker),
    )


@router.post(
    "/{referral_id}/withdraw",
    dependencies=[require_roles("counsellor")],
    summary="Retirer l'orientation (structure d'origine)",
)
async def withdraw(
    referral_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context
) -> ReferralOut:
    return await _act(sessions, principal, ctx, referral_id, handlers.Withdraw())


@router.post(
    "/{referral_id}/close",
    dependencies=[require_roles("counsellor")],
    summary="Clôturer l'accompagnement avec son résultat",
)
async def close(
    referral_id: uuid.UUID, body: ClosingIn, principal: Caller, sessions: Sessions, ctx: Context
) -> ReferralOut:
    return await _act(sessions, principal, ctx, referral_id, handlers.Close(body.outcome))
