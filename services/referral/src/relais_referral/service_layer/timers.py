"""What the workflows must know to set their timers, read from the database (the truth)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import (
    JobseekerRow,
    JourneyEntryRow,
    JourneySignalRow,
    OrganisationRow,
    PolicyRow,
    ReferralRow,
    TaskRow,
)
from relais_referral.db.repository import policy_from_row
from relais_referral.domain.calendar import end_of_day, paris_date
from relais_referral.domain.deadlines import (
    ReferralDeadlines,
    appointment_outcome_due,
    decision_due,
    receiver_calendar,
    referral_deadlines,
)
from relais_referral.domain.journey import TaskKind, TaskStatus


@dataclass(frozen=True)
class ReferralTimers:
    referral_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: str
    deadlines: ReferralDeadlines
    outcome_due_at: datetime | None
    decision_due_at: datetime | None
    had_appointment: bool


async def referral_timers(
    session: AsyncSession, referral_id: uuid.UUID, default_departement: str
) -> ReferralTimers | None:
    """The referral's clock, on its receiver's calendar (``default_departement``, the setting, if the
    receiver has none)."""
    # One round trip: the referral, its receiver's département and the policy version it runs under.
    found = (
        await session.execute(
            select(ReferralRow, OrganisationRow.departement, PolicyRow)
            .outerjoin(OrganisationRow, OrganisationRow.id == ReferralRow.receiver_org_id)
            .outerjoin(PolicyRow, PolicyRow.version == ReferralRow.policy_version)
            .where(ReferralRow.id == referral_id)
            .limit(1)
        )
    ).first()
    if found is None:
        return None
    row, departement, policy_row = found
    departement = receiver_calendar(departement, default_departement)
    policy = policy_from_row(policy_row)
    deadlines = referral_deadlines(paris_date(row.submitted_at), policy, departement)
    outcome_due = (
        appointment_outcome_due(paris_date(row.appointment_at), policy, departement)
        if row.appointment_at is not None and row.appointment_outcome is None
        else None
    )
    decision_due_at = (
        decision_due(paris_date(row.outcome_recorded_at), policy, departement)
        if row.outcome_recorded_at is not None
        else None
    )
    return ReferralTimers(
        row.id,
        row.sender_org_id,
        row.receiver_org_id,
        row.status,
        deadlines,
        outcome_due,
        decision_due_at,
        had_appointment=_answered_in_substance(row),
    )


def _answered_in_substance(row: ReferralRow) -> bool:
    """Whether the "no answer" clock (coordination escalation, expiry) has stopped: a first appointment
    was fixed, or the referral asks for a training seat and the provider's answer is a place on the
    session's waitlist (acknowledged by the training service on its behalf: a provider acknowledges no
    other way). A waitlisted person waits for a seat or for the session's first day, when the waitlist
    closes and the referral returns to its sender; escalating or expiring it meanwhile would tell the
    coordination that nobody answered, and drop the place the person holds."""
    if row.appointment_at is not None or row.outcome_recorded_at is not None:
        return True
    return row.training_session_id is not None and row.status == "acknowledged"


@dataclass(frozen=True)
class JourneyTimers:
    version: int  # grows with the journey's history: orders snapshots read by different consumers
    in_pact: bool
    unaccompanied_since: date | None = None
    unaccompanied_due_at: datetime | None = None
    follow_ups_at: list[datetime] = field(default_factory=list)


async def journey_timers(session: AsyncSession, jobseeker_id: uuid.UUID) -> JourneyTimers | None:
    # The person and how far their history goes (the snapshot's version), in one round trip.
    found = (
        await session.execute(
            select(
                JobseekerRow.in_pact,
                select(func.coalesce(func.max(JourneyEntryRow.id), 0))
                .where(JourneyEntryRow.jobseeker_id == jobseeker_id)
                .scalar_subquery(),
            ).where(JobseekerRow.id == jobseeker_id)
        )
    ).first()
    if found is None:
        return None
    in_pact, version = found
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
        version=int(version),
        in_pact=in_pact,
        unaccompanied_since=paris_date(unaccompanied.created_at) if unaccompanied else None,
        unaccompanied_due_at=end_of_day(unaccompanied.due) if unaccompanied and unaccompanied.due else None,
        follow_ups_at=sorted(
            end_of_day(t.due)
            for t in tasks
            if t.kind == TaskKind.OUTCOME_FOLLOW_UP.value and t.due is not None
        ),
    )


def journey_fingerprint(timers: JourneyTimers) -> str:
    """What a JourneyWorkflow acts on, without the version: equal fingerprints, same timers."""
    timed = (timers.in_pact, timers.unaccompanied_since, timers.unaccompanied_due_at, timers.follow_ups_at)
    return hashlib.sha256(repr(timed).encode()).hexdigest()


async def journey_signal_needed(
    session: AsyncSession, jobseeker_id: uuid.UUID, timers: JourneyTimers
) -> bool:
    """True, and recorded in the caller's transaction, when the workflow has not been sent these timers.

    Mirrors the workflow's rule (a snapshot of an equal or newer version replaces the current one): a
    stale snapshot is never recorded over a newer one, so what is recorded is what the workflow holds.
    When the signal then fails, the caller's rollback forgets the record and the next try sends it.
    Unchanged timers are still sent again once a day: a journey workflow that failed or was terminated
    (it is restarted only by a signal-with-start) comes back with the person's next event.
    """
    result = await session.execute(
        _RECORD_JOURNEY_SIGNAL,
        {"jobseeker_id": jobseeker_id, "version": timers.version, "fingerprint": journey_fingerprint(timers)},
    )
    return result.first() is not None


# As text: SQLAlchemy 2.0 never caches a PostgreSQL INSERT … ON CONFLICT, and this runs for every event.
_RECORD_JOURNEY_SIGNAL = text(
    "INSERT INTO journey_signals AS s (jobseeker_id, version, fingerprint) "
    "VALUES (:jobseeker_id, :version, :fingerprint) "
    "ON CONFLICT (jobseeker_id) DO UPDATE "
    "SET version = excluded.version, fingerprint = excluded.fingerprint, signalled_at = now() "
    "WHERE s.version <= excluded.version "
    "AND (s.fingerprint <> excluded.fingerprint OR s.signalled_at < now() - interval '1 day') "
    "RETURNING jobseeker_id"
).bindparams(bindparam("jobseeker_id", type_=JourneySignalRow.__table__.c.jobseeker_id.type))
