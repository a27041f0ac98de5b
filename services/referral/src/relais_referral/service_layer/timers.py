"""What the workflows must know to set their timers, read from the database (the truth)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import JobseekerRow, OrganisationRow, ReferralRow, TaskRow
from relais_referral.db.repository import PolicyRepository
from relais_referral.domain.calendar import end_of_day
from relais_referral.domain.deadlines import ReferralDeadlines, appointment_outcome_due, referral_deadlines
from relais_referral.domain.journey import TaskKind, TaskStatus


@dataclass(frozen=True)
class ReferralTimers:
    referral_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: str
    deadlines: ReferralDeadlines
    outcome_due_at: datetime | None


async def referral_timers(session: AsyncSession, referral_id: uuid.UUID) -> ReferralTimers | None:
    row = await session.get(ReferralRow, referral_id)
    if row is None:
        return None
    receiver = await session.get(OrganisationRow, row.receiver_org_id)
    departement = receiver.departement if receiver else "44"
    policy = await PolicyRepository(session).version(row.policy_version)
    deadlines = referral_deadlines(row.submitted_at.date(), policy, departement)
    if receiver is not None and receiver.acknowledgement_working_days:
        # An organisation's own acknowledgement delay moves the manager escalation with it.
        from dataclasses import replace

        from relais_referral.domain.calendar import add_working_days

        deadlines = replace(
            deadlines,
            manager_escalation_at=end_of_day(
                add_working_days(row.submitted_at.date(), receiver.acknowledgement_working_days, departement)
            ),
        )
    outcome_due = (
        appointment_outcome_due(row.appointment_at.date(), policy, departement)
        if row.appointment_at is not None
        else None
    )
    return ReferralTimers(row.id, row.sender_org_id, row.receiver_org_id, row.status, deadlines, outcome_due)


@dataclass(frozen=True)
class JourneyTimers:
    as_of: datetime
    in_pact: bool
    unaccompanied_since: date | None = None
    unaccompanied_due_at: datetime | None = None
    follow_ups_at: list[datetime] = field(default_factory=list)


async def journey_timers(session: AsyncSession, jobseeker_id: uuid.UUID) -> JourneyTimers | None:
    person = await session.get(JobseekerRow, jobseeker_id)
    if person is None:
        return None
    tasks = (
        (
            await session.execute(
                select(TaskRow).where(
                    TaskRow.jobseeker_id == jobseeker_id,
                    TaskRow.status == TaskStatus.OPEN.value,
                    TaskRow.kind.in_([TaskKind.ASSIGN_REFERENT.value, TaskKind.OUTCOME_FOLLOW_UP.value]),
                )
            )
        )
        .scalars()
        .all()
    )
    unaccompanied = next((t for t in tasks if t.kind == TaskKind.ASSIGN_REFERENT.value), None)
    return JourneyTimers(
        as_of=datetime.now(UTC),
        in_pact=person.in_pact,
        unaccompanied_since=unaccompanied.created_at.date() if unaccompanied else None,
        unaccompanied_due_at=end_of_day(unaccompanied.due) if unaccompanied and unaccompanied.due else None,
        follow_ups_at=sorted(
            end_of_day(t.due)
            for t in tasks
            if t.kind == TaskKind.OUTCOME_FOLLOW_UP.value and t.due is not None
        ),
    )
