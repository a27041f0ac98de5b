"""Command handlers: authorisation is checked here, per organisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import InboxEntryRow, JobseekerRow, OrganisationRow, infra
from relais_referral.domain.calendar import add_working_days
from relais_referral.domain.errors import NotAllowed
from relais_referral.domain.events import AcknowledgementOverdue
from relais_referral.domain.jobseeker import age_band
from relais_referral.domain.referral import Referral, ReferralStatus
from relais_referral.events.contracts import ReferralAcknowledgedV1, ReferralSubmittedV1
from relais_referral.service_layer.unit_of_work import UnitOfWork
from relais_shared.audit import record_access
from relais_shared.auth import Principal
from relais_shared.envelope import IncomingEnvelope, read_data


class NotFound(Exception):
    """Unknown, or outside the caller's organisation's perimeter: the API answers 404 either way."""


@dataclass(frozen=True)
class CreateOrganisation:
    name: str
    kind: str
    departement: str
    acknowledgement_working_days: int | None = None
    organisation_id: uuid.UUID | None = None


@dataclass(frozen=True)
class RegisterJobseeker:
    first_name: str
    last_name: str
    birth_date: date | None
    postcode: str
    qpv_resident: bool | None
    email: str | None = None
    phone: str | None = None
    information_given: bool = True


@dataclass(frozen=True)
class SubmitReferral:
    jobseeker_id: uuid.UUID
    receiver_org_id: uuid.UUID
    motive: str


async def create_organisation(
    uow: UnitOfWork, principal: Principal, cmd: CreateOrganisation
) -> OrganisationRow:
    if not principal.has_role("admin"):
        raise NotAllowed("only an administrator adds organisations to the directory")
    row = OrganisationRow(
        id=cmd.organisation_id or uuid.uuid4(),
        name=cmd.name,
        kind=cmd.kind,
        departement=cmd.departement,
        acknowledgement_working_days=cmd.acknowledgement_working_days,
    )
    uow.session.add(row)
    await uow.session.flush()
    return row


async def register_jobseeker(uow: UnitOfWork, principal: Principal, cmd: RegisterJobseeker) -> JobseekerRow:
    """The registering organisation becomes the person's référent de parcours."""
    if not principal.has_role("counsellor"):
        raise NotAllowed("only counsellors register jobseekers")
    now = datetime.now(UTC)
    row = JobseekerRow(
        id=uuid.uuid4(),
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        birth_date=cmd.birth_date,
        email=cmd.email,
        phone=cmd.phone,
        postcode=cmd.postcode,
        qpv_resident=cmd.qpv_resident,
        referent_org_id=principal.org_id,
        information_given_at=now if cmd.information_given else None,
        created_by=principal.sub,
    )
    uow.session.add(row)
    await uow.session.flush()
    await record_access(
        uow.session,
        infra.audit_log,
        principal,
        action="create",
        resource_type="jobseeker",
        resource_id=str(row.id),
    )
    return row


async def jobseeker_visible_to(session: AsyncSession, jobseeker: JobseekerRow, org_id: uuid.UUID) -> bool:
    """A counsellor sees a person while their organisation is référent or has a referral of that person."""
    from relais_referral.db.models import ReferralRow

    if jobseeker.referent_org_id == org_id:
        return True
    found = await session.execute(
        select(ReferralRow.id)
        .where(ReferralRow.jobseeker_id == jobseeker.id)
        .where((ReferralRow.sender_org_id == org_id) | (ReferralRow.receiver_org_id == org_id))
        .limit(1)
    )
    return found.first() is not None


async def submit_referral(
    uow: UnitOfWork, principal: Principal, cmd: SubmitReferral, default_working_days: int
) -> Referral:
    if not principal.has_role("counsellor"):
        raise NotAllowed("only counsellors submit referrals")
    jobseeker = await uow.session.get(JobseekerRow, cmd.jobseeker_id)
    if jobseeker is None or not await jobseeker_visible_to(uow.session, jobseeker, principal.org_id):
        raise NotFound("jobseeker")
    receiver = await uow.session.get(OrganisationRow, cmd.receiver_org_id)
    if receiver is None:
        raise NotFound("organisation")
    now = datetime.now(UTC)
    days = receiver.acknowledgement_working_days or default_working_days
    referral = Referral.submit(
        referral_id=uuid.uuid4(),
        jobseeker_id=jobseeker.id,
        sender_org_id=principal.org_id,
        receiver_org_id=receiver.id,
        receiver_departement=receiver.departement,
        motive=cmd.motive,
        submitted_by=principal.sub,
        now=now,
        acknowledgement_due=add_working_days(now.date(), days, receiver.departement),
        age_band=age_band(jobseeker.birth_date, now.date()),
        qpv_resident=jobseeker.qpv_resident,
    )
    uow.referrals.add(referral)
    await record_access(
        uow.session,
        infra.audit_log,
        principal,
        action="refer",
        resource_type="jobseeker",
        resource_id=str(jobseeker.id),
        detail=f"referral {referral.id}",
    )
    return referral


async def acknowledge_referral(uow: UnitOfWork, principal: Principal, referral_id: uuid.UUID) -> Referral:
    referral = await uow.referrals.get(referral_id, for_update=True)
    if referral is None or not referral.involves(principal.org_id):
        raise NotFound("referral")
    if not principal.has_role("counsellor"):
        raise NotAllowed("only counsellors acknowledge referrals")
    referral.acknowledge(by_org_id=principal.org_id, now=datetime.now(UTC))
    await uow.referrals.save(referral)
    return referral


async def record_acknowledgement_overdue(
    uow: UnitOfWork, referral_id: uuid.UUID, event_id: uuid.UUID
) -> bool:
    """Called by the workflow's activity; the event id is derived from the workflow step (idempotent)."""
    existing = await uow.session.execute(select(infra.outbox.c.id).where(infra.outbox.c.event_id == event_id))
    if existing.first() is not None:
        return False
    referral = await uow.referrals.get(referral_id)
    if referral is None or referral.status is not ReferralStatus.SUBMITTED:
        return False
    uow.publish(
        AcknowledgementOverdue(
            referral_id=referral.id,
            occurred_at=datetime.now(UTC),
            receiver_org_id=referral.receiver_org_id,
            due=referral.acknowledgement_due,
        ),
        event_id=event_id,
    )
    return True


# ------------------------------------------------------------------ projections (consumer side)
async def project_inbox(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    """Keep each organisation's inbox in step with referral events (called once per event id)."""
    if envelope.type == ReferralSubmittedV1.event_type:
        event = read_data(envelope, ReferralSubmittedV1)
        await session.execute(
            insert(InboxEntryRow)
            .values(
                referral_id=event.referral_id,
                receiver_org_id=event.receiver_org_id,
                sender_org_id=event.sender_org_id,
                jobseeker_id=event.jobseeker_id,
                status=ReferralStatus.SUBMITTED.value,
                submitted_at=event.submitted_at,
                acknowledgement_due=event.acknowledgement_due,
            )
            .on_conflict_do_nothing()
        )
    elif envelope.type == ReferralAcknowledgedV1.event_type:
        ack = read_data(envelope, ReferralAcknowledgedV1)
        row = await session.get(InboxEntryRow, ack.referral_id)
        if row is not None:
            row.status = ReferralStatus.ACKNOWLEDGED.value
            row.updated_at = ack.acknowledged_at
