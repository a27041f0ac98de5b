"""Organisations directory (annuaire des acteurs) and each organisation's inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy import func, select

from relais_referral.api.deps import Caller, Sessions, Uow
from relais_referral.api.schemas import InboxEntryOut, OrganisationIn, OrganisationOut, Page
from relais_referral.db.models import InboxEntryRow, OrganisationRow
from relais_referral.domain.calendar import is_working_day
from relais_referral.domain.referral import STATUS_LABELS_FR, ReferralStatus
from relais_referral.service_layer.handlers import CreateOrganisation, NotFound, create_organisation
from relais_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/organisations", tags=["organisations"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Ajouter une organisation à l'annuaire")
async def add_organisation(body: OrganisationIn, principal: Caller, uow: Uow) -> OrganisationOut:
    async with uow:
        row = await create_organisation(
            uow,
            principal,
            CreateOrganisation(
                name=body.name,
                kind=body.kind,
                departement=body.departement,
                acknowledgement_working_days=body.acknowledgement_working_days,
                organisation_id=body.id,
            ),
        )
        return OrganisationOut.model_validate(row)


@router.get("", summary="Parcourir l'annuaire des acteurs")
async def list_organisations(
    principal: Caller,
    sessions: Sessions,
    kind: str | None = None,
    q: Annotated[str | None, Query(description="Recherche dans le nom")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[OrganisationOut]:
    stmt = select(OrganisationRow)
    if kind:
        stmt = stmt.where(OrganisationRow.kind == kind)
    if q:
        stmt = stmt.where(OrganisationRow.name.ilike(f"%{q}%"))
    async with sessions() as session:
        total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = (
            await session.execute(stmt.order_by(OrganisationRow.name).offset(offset).limit(limit))
        ).scalars()
        return Page(
            items=[OrganisationOut.model_validate(r) for r in rows], total=total, offset=offset, limit=limit
        )


def _working_days_left(due: datetime | object, departement: str) -> int:
    from datetime import date, timedelta

    assert isinstance(due, date)
    today = datetime.now(UTC).date()
    step = 1 if due >= today else -1
    count, day = 0, today
    while day != due:
        day += timedelta(days=step)
        if is_working_day(day, departement):
            count += step
    return count


@router.get("/{org_id}/inbox", summary="Orientations reçues par l'organisation (file de travail)")
async def inbox(
    org_id: uuid.UUID,
    principal: Caller,
    sessions: Sessions,
    status_filter: Annotated[ReferralStatus | None, Query(alias="status")] = None,
    sort: Literal["due", "-due", "submitted", "-submitted"] = "due",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[InboxEntryOut]:
    # An organisation's work queue is visible to its own members only.
    if principal.org_id != org_id:
        raise NotFound("inbox")
    async with sessions() as session:
        org = await session.get(OrganisationRow, org_id)
        if org is None:
            raise NotFound("organisation")
        stmt = select(InboxEntryRow).where(InboxEntryRow.receiver_org_id == org_id)
        if status_filter:
            stmt = stmt.where(InboxEntryRow.status == status_filter.value)
        column = (
            InboxEntryRow.acknowledgement_due if sort.lstrip("-") == "due" else InboxEntryRow.submitted_at
        )
        order = column.desc() if sort.startswith("-") else column.asc()
        total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        rows = await session.execute(
            stmt.order_by(order, InboxEntryRow.referral_id).offset(offset).limit(limit)
        )
        items = []
        for row in rows.scalars():
            entry = InboxEntryOut.model_validate(row)
            entry.status_label = STATUS_LABELS_FR[ReferralStatus(row.status)]
            entry.working_days_left = _working_days_left(row.acknowledgement_due, org.departement)
            items.append(entry)
        return Page(items=items, total=total, offset=offset, limit=limit)
