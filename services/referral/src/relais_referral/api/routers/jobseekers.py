"""Jobseekers and their journey: identity data, every access checked and audited."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlalchemy import select

from relais_referral.api.deps import Caller, Context, Sessions, Uow, audited_refusals, require_roles
from relais_referral.api.schemas import (
    AssignReferentIn,
    ExitFollowUpIn,
    ExitIn,
    JobseekerIn,
    JobseekerOut,
    JourneyEntryOut,
    JourneyOut,
    LifeEventIn,
)
from relais_referral.api.schemas_caseload import JobseekerRegisteredOut
from relais_referral.db.models import JourneyEntryRow, infra
from relais_referral.domain.calendar import paris_date
from relais_referral.domain.jobseeker import equality_axes
from relais_referral.domain.journey import Journey, LifeEvent
from relais_referral.domain.situations import FollowUpHorizon
from relais_referral.service_layer import caseload
from relais_referral.service_layer import journeys as handlers
from relais_referral.service_layer.errors import NotFound
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.audit import record_access
from relais_shared.auth import Principal
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/jobseekers", tags=["jobseekers"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    dependencies=[require_roles("counsellor")],
    status_code=status.HTTP_201_CREATED,
    summary="Inscrire une personne accompagnée",
)
async def add_jobseeker(
    body: JobseekerIn, principal: Caller, uow: Uow, sessions: Sessions
) -> JobseekerRegisteredOut:
    async with (
        audited_refusals(sessions, principal, action="create", resource_type="jobseeker", resource_id=None),
        uow,
    ):
        fields = body.model_dump()
        fields["situation"] = tuple(sorted(set(fields["situation"])))  # a set of codes, in one order
        row = await handlers.register_jobseeker(uow, principal, handlers.RegisterJobseeker(**fields))
        duplicates = await caseload.likely_duplicates(uow, principal, row)
        return JobseekerRegisteredOut.model_validate(row).model_copy(
            update={"possible_duplicates": duplicates.count, "duplicates_visible": list(duplicates.visible)}
        )


@router.get(
    "/{jobseeker_id}",
    dependencies=[require_roles("counsellor")],
    summary="Consulter une personne (accès journalisé)",
)
async def get_jobseeker(jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions) -> JobseekerOut:
    async with audited_refusals(
        sessions, principal, action="read", resource_type="jobseeker", resource_id=str(jobseeker_id)
    ):
        if not principal.has_role("counsellor"):  # as declared on the route; identity data is read below
            raise NotFound("jobseeker")
        async with UnitOfWork(sessions) as uow:
            row = await uow.jobseekers.get(jobseeker_id)
            if row is None or not await uow.jobseekers.visible_to(row, principal.org_id):
                raise NotFound("jobseeker")
            await uow.audit(
                principal, action="read", resource_type="jobseeker", resource_id=str(jobseeker_id)
            )
            return JobseekerOut.model_validate(row)


async def _journey_out(uow: UnitOfWork, journey: Journey) -> JourneyOut:
    rows = await uow.session.execute(
        select(JourneyEntryRow)
        .where(JourneyEntryRow.jobseeker_id == journey.jobseeker_id)
        .order_by(JourneyEntryRow.id)
    )
    history = [
        JourneyEntryOut(at=r.at, kind=r.kind, org_id=r.org_id, referral_id=r.referral_id, detail=r.detail)
        for r in rows.scalars()
    ]
    person = await uow.jobseekers.get(journey.jobseeker_id)
    axes = None if person is None else equality_axes(person, paris_date(datetime.now(UTC)))
    return JourneyOut.of(journey, history, axes)


@router.get(
    "/{jobseeker_id}/journey",
    dependencies=[require_roles("counsellor", "coordinator")],
    summary="Parcours : référent, groupe de suivi, orientations, tâches, historique",
)
async def get_journey(
    jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context
) -> JourneyOut:
    async with audited_refusals(
        sessions, principal, action="read", resource_type="journey", resource_id=str(jobseeker_id)
    ):
        if not principal.has_role("counsellor", "coordinator"):  # as declared on the route
            raise NotFound("jobseeker")
        async with UnitOfWork(sessions) as uow:
            journey = await handlers.load_journey(uow, principal, jobseeker_id, ctx)
            await record_access(
                uow.session,
                infra.audit_log,
                principal,
                action="read",
                resource_type="journey",
                resource_id=str(jobseeker_id),
            )
            return await _journey_out(uow, journey)


JourneyChange = Callable[[UnitOfWork], Awaitable[Journey]]


async def _change(
    sessions: Sessions, principal: Principal, jobseeker_id: uuid.UUID, action: str, change: JourneyChange
) -> JourneyOut:
    """One change to a journey: its own transaction, refusals audited, the journey as it now stands."""
    async with (
        audited_refusals(
            sessions, principal, action=action, resource_type="journey", resource_id=str(jobseeker_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        return await _journey_out(uow, await change(uow))


@router.post(
    "/{jobseeker_id}/release",
    dependencies=[require_roles("counsellor")],
    summary="Mettre fin à l'accompagnement (sans sortie du pacte)",
)
async def release(jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context) -> JourneyOut:
    return await _change(
        sessions,
        principal,
        jobseeker_id,
        "release",
        lambda uow: handlers.release(uow, principal, jobseeker_id, ctx),
    )


@router.post(
    "/{jobseeker_id}/assign-referent",
    dependencies=[require_roles("coordinator")],
    summary="Désigner un référent (coordination du pacte)",
)
async def assign(
    jobseeker_id: uuid.UUID, body: AssignReferentIn, principal: Caller, sessions: Sessions, ctx: Context
) -> JourneyOut:
    return await _change(
        sessions,
        principal,
        jobseeker_id,
        "assign",
        lambda uow: handlers.assign_referent(uow, principal, jobseeker_id, body.org_id, ctx),
    )


@router.post(
    "/{jobseeker_id}/exit",
    dependencies=[require_roles("counsellor")],
    summary="Sortie du pacte avec son résultat (suivi à 3, 6 et 12 mois)",
)
async def exit_pact(
    jobseeker_id: uuid.UUID, body: ExitIn, principal: Caller, sessions: Sessions, ctx: Context
) -> JourneyOut:
    return await _change(
        sessions,
        principal,
        jobseeker_id,
        "exit",
        lambda uow: handlers.exit_pact(uow, principal, jobseeker_id, body.outcome, ctx),
    )


@router.put(
    "/{jobseeker_id}/exit/follow-ups/{horizon_months}",
    dependencies=[require_roles("counsellor")],
    summary="Situation de la personne à 3, 6 ou 12 mois après sa sortie (la remplace si déjà saisie)",
)
async def exit_follow_up(
    jobseeker_id: uuid.UUID,
    horizon_months: Annotated[FollowUpHorizon, Path(description="Mois après la sortie : 3, 6 ou 12")],
    body: ExitFollowUpIn,
    principal: Caller,
    sessions: Sessions,
    ctx: Context,
) -> JourneyOut:
    return await _change(
        sessions,
        principal,
        jobseeker_id,
        "exit_follow_up",
        lambda uow: handlers.record_exit_follow_up(
            uow, principal, jobseeker_id, int(horizon_months), body.situation, ctx
        ),
    )


@router.post(
    "/{jobseeker_id}/life-events",
    dependencies=[require_roles("counsellor")],
    summary="Événement de vie : embauche, déménagement, abandon de formation",
)
async def life_event(
    jobseeker_id: uuid.UUID, body: LifeEventIn, principal: Caller, sessions: Sessions, ctx: Context
) -> JourneyOut:
    return await _change(
        sessions,
        principal,
        jobseeker_id,
        "life_event",
        lambda uow: handlers.record_life_event(
            uow,
            principal,
            jobseeker_id,
            LifeEvent(body.kind),
            ctx,
            contract_type=body.contract_type,
            weekly_hours=body.weekly_hours,
        ),
    )
