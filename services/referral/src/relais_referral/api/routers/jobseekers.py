"""Jobseekers: identity data, every access checked and audited."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from relais_referral.api.deps import Caller, Sessions, Uow, audited_refusals
from relais_referral.api.schemas import JobseekerIn, JobseekerOut
from relais_referral.db.models import JobseekerRow, infra
from relais_referral.service_layer.handlers import (
    NotFound,
    RegisterJobseeker,
    jobseeker_visible_to,
    register_jobseeker,
)
from relais_shared.audit import record_access
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/jobseekers", tags=["jobseekers"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Inscrire une personne accompagnée")
async def add_jobseeker(body: JobseekerIn, principal: Caller, uow: Uow, sessions: Sessions) -> JobseekerOut:
    async with (
        audited_refusals(sessions, principal, action="create", resource_type="jobseeker", resource_id=None),
        uow,
    ):
        row = await register_jobseeker(uow, principal, RegisterJobseeker(**body.model_dump()))
        return JobseekerOut.model_validate(row)


@router.get("/{jobseeker_id}", summary="Consulter une personne (accès journalisé)")
async def get_jobseeker(jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions) -> JobseekerOut:
    async with audited_refusals(
        sessions, principal, action="read", resource_type="jobseeker", resource_id=str(jobseeker_id)
    ):
        if not principal.has_role("counsellor", "admin"):
            # Coordinators and evaluators only ever see pseudonymised aggregates.
            raise NotFound("jobseeker")
        async with sessions() as session, session.begin():
            row = await session.get(JobseekerRow, jobseeker_id)
            if row is None or not await jobseeker_visible_to(session, row, principal.org_id):
                raise NotFound("jobseeker")
            await record_access(
                session,
                infra.audit_log,
                principal,
                action="read",
                resource_type="jobseeker",
                resource_id=str(jobseeker_id),
            )
            return JobseekerOut.model_validate(row)
