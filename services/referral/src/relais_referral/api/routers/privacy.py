"""Data-protection rights (RGPD): a person's export (art. 15, JSON and PDF), erasure (art. 17), and the
audit log for the pact's data-protection officer. Rules: ``service_layer/privacy.py``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from relais_referral.api.deps import Caller, Context, Sessions, audited_refusals, require_roles
from relais_referral.api.pdf import render_export_pdf
from relais_referral.api.schemas_privacy import AuditLineOut, AuditPageOut, ErasureOut, ExportOut
from relais_referral.service_layer import privacy as handlers
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.problems import PROBLEM_RESPONSES, problem_doc

_GONE: dict[int | str, dict[str, Any]] = {
    410: problem_doc("La personne a été effacée (droit à l'effacement) (problem+json)")
}
router = APIRouter(tags=["protection des données"], responses=PROBLEM_RESPONSES)


async def _export(jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context) -> ExportOut:
    async with (
        audited_refusals(
            sessions, principal, action="export", resource_type="jobseeker", resource_id=str(jobseeker_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        record = await handlers.export_jobseeker(uow, principal, jobseeker_id, ctx)
        return ExportOut.of(record, datetime.now(UTC))


@router.get(
    "/v1/jobseekers/{jobseeker_id}/export",
    dependencies=[require_roles("counsellor", "dpo")],
    responses=_GONE,
    summary="Droit d'accès (RGPD art. 15) : tout ce que Relais détient sur la personne (JSON)",
    description="Identité, orientations avec motifs et commentaires, parcours, tâches, besoins, et le "
    "journal des accès. Pour un conseiller d'une structure qui voit la personne, ou le DPO du pacte.",
)
async def export_json(
    jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context
) -> ExportOut:
    return await _export(jobseeker_id, principal, sessions, ctx)


@router.get(
    "/v1/jobseekers/{jobseeker_id}/export.pdf",
    dependencies=[require_roles("counsellor", "dpo")],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "L'export en PDF"}, **_GONE},
    summary="Droit d'accès (RGPD art. 15) : le même export, en PDF à remettre à la personne",
)
async def export_pdf(
    jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context
) -> Response:
    export = await _export(jobseeker_id, principal, sessions, ctx)
    # weasyprint is CPU-bound and synchronous: off the event loop.
    pdf = await run_in_threadpool(render_export_pdf, export)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="relais-export-{jobseeker_id}.pdf"'},
    )


@router.post(
    "/v1/jobseekers/{jobseeker_id}/erasure",
    dependencies=[require_roles("counsellor", "coordinator")],
    responses=_GONE,
    summary="Droit à l'effacement (RGPD art. 17) : effacer l'identité et les textes libres",
    description="Par la structure référente ou la coordination du pacte ; refusé (409) tant qu'une "
    "orientation est ouverte. Annonce `jobseeker.erased.v1` (identifiant opaque seul).",
)
async def erase(jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context) -> ErasureOut:
    async with (
        audited_refusals(
            sessions, principal, action="erase", resource_type="jobseeker", resource_id=str(jobseeker_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        erased_at = await handlers.erase_jobseeker(uow, principal, handlers.EraseJobseeker(jobseeker_id), ctx)
        return ErasureOut(jobseeker_id=jobseeker_id, erased_at=erased_at)


@router.get(
    "/v1/audit",
    dependencies=[require_roles("dpo")],
    summary="Journal des accès aux données personnelles (DPO du pacte)",
    description="Filtré par personne (ses lignes et celles de ses orientations), par organisation de "
    "l'auteur et par période [since, until) ; du plus récent au plus ancien.",
)
async def audit(
    principal: Caller,
    sessions: Sessions,
    ctx: Context,
    jobseeker_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPageOut:
    async with (
        audited_refusals(sessions, principal, action="read", resource_type="audit_log", resource_id=None),
        UnitOfWork(sessions) as uow,
    ):
        lines = await handlers.read_audit(
            uow,
            principal,
            ctx,
            jobseeker_id=jobseeker_id,
            organisation_id=organisation_id,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return AuditPageOut(
            items=[AuditLineOut.model_validate(line) for line in lines], limit=limit, offset=offset
        )
