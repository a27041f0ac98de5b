"""Work queues of an organisation: incoming and outgoing referrals with their deadlines, and tasks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from relais_referral.api.deps import Caller, Context, Sessions, Uow, require_roles
from relais_referral.api.schemas import Limit, Offset, Page, TaskOut, WorkItemOut
from relais_referral.db.caseload import display_name_for
from relais_referral.db.models import JobseekerRow, OrganisationRow, ReferralRow, TaskRow
from relais_referral.domain.calendar import paris_date, working_days_between
from relais_referral.domain.errors import NotAllowed
from relais_referral.domain.journey import TASK_LABELS_FR, TaskKind, TaskStatus
from relais_referral.domain.referral import OPEN_STATUSES, STATUS_LABELS_FR, ReferralStatus
from relais_referral.service_layer.deadlines import Deadlines
from relais_referral.service_layer.errors import NotFound
from relais_shared.auth import Principal
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["work queues"], responses=PROBLEM_RESPONSES)


async def _own_organisation(sessions: Sessions, principal: Principal, org_id: uuid.UUID) -> OrganisationRow:
    """An organisation's queues are visible to its own counsellors and coordinators only."""
    if principal.org_id != org_id:
        raise NotFound("organisation")
    if not principal.has_role("counsellor", "coordinator"):  # as declared on the routes
        raise NotAllowed("Les files de travail sont réservées aux conseillers et à la coordination.")
    async with sessions() as session:
        org = await session.get(OrganisationRow, org_id)
    if org is None:
        raise NotFound("organisation")
    return org


@router.get(
    "/organisations/{org_id}/referrals",
    dependencies=[require_roles("counsellor", "coordinator")],
    summary="File de travail : orientations en cours, reçues ou envoyées",
    description=(
        "Les orientations sur lesquelles agir (par défaut celles en cours), reçues (`direction=incoming`) "
        "ou envoyées (`direction=outgoing`), lues dans les orientations elles-mêmes : toujours à jour. "
        "Pour chacune, sa prochaine échéance et ce qu'elle attend (accusé de réception, rendez-vous, "
        "résultat du rendez-vous, décision) et les jours "
        "ouvrés restants, comptés sur le calendrier de la structure destinataire (jours fériés de son "
        "département), quel que soit le côté qui consulte. Le registre de tout ce qui a été reçu, "
        "statuts clos compris, est la boîte de réception `GET /v1/organisations/{org_id}/inbox`."
    ),
)
async def work_queue(
    org_id: uuid.UUID,
    principal: Caller,
    sessions: Sessions,
    ctx: Context,
    direction: Literal["incoming", "outgoing"] = "incoming",
    status: Annotated[
        list[ReferralStatus] | None, Query(description="Par défaut : les orientations en cours")
    ] = None,
    sort: Literal["due", "-due", "submitted", "-submitted"] = "due",
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[WorkItemOut]:
    await _own_organisation(sessions, principal, org_id)
    own = ReferralRow.receiver_org_id if direction == "incoming" else ReferralRow.sender_org_id
    statuses = [s.value for s in (status or OPEN_STATUSES)]
    where = (own == org_id, ReferralRow.status.in_(statuses))
    column = ReferralRow.acknowledgement_due if sort.lstrip("-") == "due" else ReferralRow.submitted_at
    order = column.desc() if sort.startswith("-") else column.asc()
    # Each referral with its receiver's département: its deadlines run on that calendar, whichever side
    # lists it (outgoing: the partner's, never the caller's).
    page = (
        select(
            ReferralRow,
            OrganisationRow.departement,
            display_name_for(org_id, named=principal.has_role("counsellor")),
        )
        .join(OrganisationRow, OrganisationRow.id == ReferralRow.receiver_org_id)
        .join(JobseekerRow, JobseekerRow.id == ReferralRow.jobseeker_id)
        .where(*where)
        .order_by(order, ReferralRow.id)
        .offset(offset)
        .limit(limit)
    )
    async with sessions() as session:
        total = (
            await session.execute(select(func.count()).select_from(ReferralRow).where(*where))
        ).scalar_one()
        rows = (await session.execute(page)).tuples().all()
        deadlines = Deadlines(session, ctx.departement)
        items = []
        for row, receiver_departement, display_name in rows:
            deadline = await deadlines.next_of(row, receiver_departement)
            items.append(
                WorkItemOut(
                    referral_id=row.id,
                    direction=direction,
                    jobseeker_id=row.jobseeker_id,
                    jobseeker_display_name=display_name,
                    partner_org_id=row.sender_org_id if direction == "incoming" else row.receiver_org_id,
                    status=ReferralStatus(row.status),
                    status_label=STATUS_LABELS_FR[ReferralStatus(row.status)],
                    submitted_at=row.submitted_at,
                    appointment_at=row.appointment_at,
                    **WorkItemOut.deadline_fields(deadline),
                )
            )
    return Page(items=items, total=total, offset=offset, limit=limit)


@router.get(
    "/organisations/{org_id}/tasks",
    dependencies=[require_roles("counsellor", "coordinator")],
    summary="Tâches de l'organisation (réorienter, relances, suivis)",
)
async def tasks(
    org_id: uuid.UUID,
    principal: Caller,
    sessions: Sessions,
    kind: TaskKind | None = None,
    status: TaskStatus = TaskStatus.OPEN,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[TaskOut]:
    org = await _own_organisation(sessions, principal, org_id)
    stmt = select(TaskRow).where(TaskRow.org_id == org_id, TaskRow.status == status.value)
    if kind:
        stmt = stmt.where(TaskRow.kind == kind.value)
    async with sessions() as session:
        total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = await session.execute(
            stmt.add_columns(
                display_name_for(org_id, named=principal.has_role("counsellor")),
                ReferralRow.sender_org_id,
                ReferralRow.receiver_org_id,
                ReferralRow.submitted_at,
            )
            .join(JobseekerRow, JobseekerRow.id == TaskRow.jobseeker_id)
            .outerjoin(ReferralRow, ReferralRow.id == TaskRow.referral_id)
            .order_by(TaskRow.due.asc().nulls_last(), TaskRow.created_at)
            .offset(offset)
            .limit(limit)
        )
        today = paris_date(datetime.now(UTC))
        items = []
        for row, display_name, sender, receiver, submitted_at in rows.tuples():
            task = TaskOut.model_validate(row)
            task.jobseeker_display_name = display_name
            # Who to chase, without the referral's content (a coordinator reads no motive or comment).
            task.referral_sender_org_id, task.referral_receiver_org_id = sender, receiver
            task.referral_submitted_at = submitted_at
            task.label = TASK_LABELS_FR[TaskKind(row.kind)]
            task.working_days_left = (
                working_days_between(today, row.due, org.departement) if row.due else None
            )
            items.append(task)
    return Page(items=items, total=total, offset=offset, limit=limit)


@router.post(
    "/tasks/{task_id}/complete",
    dependencies=[require_roles("counsellor", "coordinator")],
    summary="Marquer une tâche comme faite",
)
async def complete_task(task_id: uuid.UUID, principal: Caller, uow: Uow, ctx: Context) -> TaskOut:
    async with uow:
        row = await uow.session.get(TaskRow, task_id, with_for_update=True)
        if row is None or row.org_id != principal.org_id:
            raise NotFound("task")
        if row.kind == TaskKind.ASSIGN_REFERENT:
            from relais_referral.domain.errors import InvalidReferral

            raise InvalidReferral(
                "Cette tâche se termine quand un référent est désigné ou qu'une orientation est envoyée."
            )
        row.status = TaskStatus.DONE.value
        row.updated_at = datetime.now(UTC)
        task = TaskOut.model_validate(row)
        task.label = TASK_LABELS_FR[TaskKind(row.kind)]
        return task
