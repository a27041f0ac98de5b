"""A counsellor's caseload: find one's people, correct their details (GDPR art. 16), read their referrals,
exchange notes on a referral; the pact coordination merges duplicate records. Every access is audited."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from relais_referral.api.deps import Caller, Context, Sessions, audited_refusals, require_roles
from relais_referral.api.schemas import ONE_LINE, JobseekerOut, Limit, Offset, WorkItemOut
from relais_referral.api.schemas_caseload import (
    CorrectionOut,
    Items,
    JobseekerCorrectionIn,
    JobseekerFoundOut,
    JobseekerSearchOut,
    MergedOut,
    MergeIn,
    NoteIn,
    NoteOut,
)
from relais_referral.db.models import ReferralNoteRow
from relais_referral.domain.referral import STATUS_LABELS_FR, ReferralStatus
from relais_referral.service_layer import caseload as handlers
from relais_referral.service_layer.deadlines import Deadlines
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["caseload"], responses=PROBLEM_RESPONSES)


@router.get(
    "/jobseekers",
    dependencies=[require_roles("counsellor")],
    summary="Rechercher parmi les personnes que votre organisation accompagne",
    description=(
        "Les personnes que votre organisation peut consulter (référente, membre du groupe de suivi, ou "
        "partie à l'une de leurs orientations en cours), filtrées par nom (chaque mot, accents et casse "
        "ignorés), date de naissance, code postal, statut d'une orientation dont votre organisation est "
        "partie. La recherche est journalisée (sans ses critères)."
    ),
)
async def search(
    principal: Caller,
    sessions: Sessions,
    q: Annotated[
        str | None, Query(max_length=200, pattern=ONE_LINE, description="Mots du prénom ou du nom")
    ] = None,
    birth_date: date | None = None,
    postcode: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    referral_status: ReferralStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> JobseekerSearchOut:
    query = handlers.SearchJobseekers(
        name=q,
        birth_date=birth_date,
        postcode=postcode,
        referral_status=referral_status.value if referral_status else None,
        offset=offset,
        limit=limit,
    )
    async with (
        audited_refusals(sessions, principal, action="search", resource_type="jobseeker", resource_id=None),
        UnitOfWork(sessions) as uow,
    ):
        found, total = await handlers.search_jobseekers(uow, principal, query)
        items = [
            JobseekerFoundOut(
                id=f.row.id,
                first_name=f.row.first_name,
                last_name=f.row.last_name,
                display_name=f"{f.row.first_name} {f.row.last_name}",
                birth_date=f.row.birth_date,
                postcode=f.row.postcode,
                referent_organisation_id=f.row.referent_org_id,
                open_referrals=f.open_referrals,
            )
            for f in found
        ]
    return JobseekerSearchOut(items=items, total=total, offset=offset, limit=limit)


@router.patch(
    "/jobseekers/{jobseeker_id}",
    dependencies=[require_roles("counsellor")],
    summary="Rectifier les informations d'une personne (RGPD art. 16), avec historique",
)
async def correct(
    jobseeker_id: uuid.UUID, body: JobseekerCorrectionIn, principal: Caller, sessions: Sessions
) -> JobseekerOut:
    async with (
        audited_refusals(
            sessions, principal, action="correct", resource_type="jobseeker", resource_id=str(jobseeker_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        row = await handlers.correct_jobseeker(
            uow, principal, handlers.CorrectJobseeker(jobseeker_id, body.changes())
        )
        return JobseekerOut.model_validate(row)


@router.get(
    "/jobseekers/{jobseeker_id}/history",
    dependencies=[require_roles("counsellor")],
    summary="Historique des rectifications : champs, date, organisation",
)
async def history(jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions) -> Items[CorrectionOut]:
    async with (
        audited_refusals(
            sessions,
            principal,
            action="read_history",
            resource_type="jobseeker",
            resource_id=str(jobseeker_id),
        ),
        UnitOfWork(sessions) as uow,
    ):
        rows = await handlers.correction_history(uow, principal, jobseeker_id)
        return Items(
            items=[
                CorrectionOut(at=r.at, by_organisation_id=r.by_org_id, fields=list(r.fields)) for r in rows
            ]
        )


@router.get(
    "/jobseekers/{jobseeker_id}/referrals",
    dependencies=[require_roles("counsellor")],
    summary="Orientations de la personne dont votre organisation est partie, avec leur statut",
)
async def referrals(
    jobseeker_id: uuid.UUID, principal: Caller, sessions: Sessions, ctx: Context
) -> Items[WorkItemOut]:
    async with (
        audited_refusals(
            sessions,
            principal,
            action="read_referrals",
            resource_type="jobseeker",
            resource_id=str(jobseeker_id),
        ),
        UnitOfWork(sessions) as uow,
    ):
        rows = await handlers.referrals_of(uow, principal, jobseeker_id)
        person = await uow.jobseekers.get(jobseeker_id)
        name = f"{person.first_name} {person.last_name}" if person else None
        deadlines = Deadlines(uow.session, ctx.departement)
        items = []
        for row, receiver_departement in rows:
            incoming = row.receiver_org_id == principal.org_id
            deadline = await deadlines.next_of(row, receiver_departement)
            items.append(
                WorkItemOut(
                    referral_id=row.id,
                    direction="incoming" if incoming else "outgoing",
                    jobseeker_id=row.jobseeker_id,
                    jobseeker_display_name=name,
                    partner_org_id=row.sender_org_id if incoming else row.receiver_org_id,
                    status=ReferralStatus(row.status),
                    status_label=STATUS_LABELS_FR[ReferralStatus(row.status)],
                    submitted_at=row.submitted_at,
                    appointment_at=row.appointment_at,
                    **WorkItemOut.deadline_fields(deadline),
                )
            )
        return Items(items=items)


@router.post(
    "/jobseekers/{jobseeker_id}/merge",
    dependencies=[require_roles("coordinator")],
    summary="Fusionner une fiche en double dans celle-ci (coordination du pacte)",
    description=(
        "Les orientations, l'historique, le groupe de suivi, les tâches et les besoins de la fiche en "
        "double passent sur celle-ci ; la fiche en double est supprimée. Un événement "
        "`jobseeker.merged.v1` (identifiants seulement) l'annonce aux autres services."
    ),
)
async def merge(
    jobseeker_id: uuid.UUID, body: MergeIn, principal: Caller, sessions: Sessions, ctx: Context
) -> MergedOut:
    async with (
        audited_refusals(
            sessions, principal, action="merge", resource_type="jobseeker", resource_id=str(jobseeker_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        kept = await handlers.merge_jobseekers(
            uow, principal, handlers.MergeJobseekers(jobseeker_id, body.duplicate_id), ctx
        )
        return MergedOut(jobseeker_id=kept.id, duplicate_id=body.duplicate_id)


def _note_out(row: ReferralNoteRow) -> NoteOut:
    return NoteOut(
        id=row.id,
        at=row.at,
        author_organisation_id=row.author_org_id,
        author_sub=row.author_sub,
        text=row.text,
    )


@router.get(
    "/referrals/{referral_id}/notes",
    dependencies=[require_roles("counsellor")],
    summary="Notes échangées sur l'orientation (émetteur et destinataire seulement)",
)
async def notes(referral_id: uuid.UUID, principal: Caller, sessions: Sessions) -> Items[NoteOut]:
    async with (
        audited_refusals(
            sessions, principal, action="read_notes", resource_type="referral", resource_id=str(referral_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        return Items(items=[_note_out(r) for r in await handlers.notes(uow, principal, referral_id)])


@router.post(
    "/referrals/{referral_id}/notes",
    dependencies=[require_roles("counsellor")],
    status_code=status.HTTP_201_CREATED,
    summary="Ajouter une note à l'orientation (reste dans ce service : ni événement ni journal)",
)
async def add_note(referral_id: uuid.UUID, body: NoteIn, principal: Caller, sessions: Sessions) -> NoteOut:
    async with (
        audited_refusals(
            sessions, principal, action="note", resource_type="referral", resource_id=str(referral_id)
        ),
        UnitOfWork(sessions) as uow,
    ):
        return _note_out(await handlers.add_note(uow, principal, referral_id, body.text))
