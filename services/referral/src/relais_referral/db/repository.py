"""Repositories: translate between rows and domain objects; the domain never sees SQLAlchemy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import (
    JobseekerRow,
    JourneyEntryRow,
    JourneyMemberRow,
    PolicyRow,
    ReferralRow,
    TaskRow,
)
from relais_referral.domain.journey import Journey, OpenReferral, Task, TaskKind, TaskStatus
from relais_referral.domain.policy import ReferralPolicy
from relais_referral.domain.referral import OPEN_STATUSES, Referral, ReferralStatus, RefusalReason

_REFERRAL_FIELDS = (
    "jobseeker_id",
    "sender_org_id",
    "receiver_org_id",
    "submitted_at",
    "acknowledgement_due",
    "motive",
    "submitted_by",
    "policy_version",
    "appointment_at",
    "no_shows",
    "refusal_comment",
    "refusal_shared",
    "outcome",
    "appointment_outcome",
    "outcome_recorded_at",
    "training_session_id",
)


class ReferralRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.seen: list[Referral] = []

    def add(self, referral: Referral) -> None:
        row = ReferralRow(id=referral.id, status=referral.status.value, version=referral.version)
        self._copy(referral, row)
        self.session.add(row)
        self.seen.append(referral)

    async def get(self, referral_id: uuid.UUID, *, for_update: bool = False) -> Referral | None:
        stmt = select(ReferralRow).where(ReferralRow.id == referral_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        return None if row is None else self._track(row)

    async def open_for(self, jobseeker_id: uuid.UUID) -> list[Referral]:
        rows = await self.session.execute(
            select(ReferralRow)
            .where(
                ReferralRow.jobseeker_id == jobseeker_id,
                ReferralRow.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(ReferralRow.submitted_at)
            .with_for_update()
        )
        return [self._track(row) for row in rows.scalars()]

    async def accepted_for(self, jobseeker_id: uuid.UUID) -> list[Referral]:
        """The person's accompaniments under way (referrals taken in charge, not closed), locked."""
        rows = await self.session.execute(
            select(ReferralRow)
            .where(
                ReferralRow.jobseeker_id == jobseeker_id,
                ReferralRow.status == ReferralStatus.ACCEPTED.value,
            )
            .order_by(ReferralRow.submitted_at)
            .with_for_update()
        )
        return [self._track(row) for row in rows.scalars()]

    async def save(self, referral: Referral) -> None:
        row = await self.session.get(ReferralRow, referral.id)
        if row is None:
            return
        row.status = referral.status.value
        self._copy(referral, row)
        row.version = referral.version + 1
        row.updated_at = datetime.now(UTC)

    def _track(self, row: ReferralRow) -> Referral:
        for known in self.seen:
            if known.id == row.id:
                # Re-read under a lock: refresh what another transaction may have changed meanwhile.
                known.status = ReferralStatus(row.status)
                known.refusal_reason = RefusalReason(row.refusal_reason) if row.refusal_reason else None
                known.version = row.version
                for name in _REFERRAL_FIELDS:
                    setattr(known, name, getattr(row, name))
                return known
        referral = Referral(
            id=row.id,
            status=ReferralStatus(row.status),
            refusal_reason=RefusalReason(row.refusal_reason) if row.refusal_reason else None,
            version=row.version,
            **{name: getattr(row, name) for name in _REFERRAL_FIELDS},
        )
        self.seen.append(referral)
        return referral

    @staticmethod
    def _copy(referral: Referral, row: ReferralRow) -> None:
        for name in _REFERRAL_FIELDS:
            setattr(row, name, getattr(referral, name))
        row.refusal_reason = referral.refusal_reason.value if referral.refusal_reason else None


class JourneyRepository:
    """A journey is the jobseeker row, its follow-up group, its open referrals and its tasks."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._loaded_status: dict[uuid.UUID, TaskStatus] = {}
        self._loaded_members: dict[uuid.UUID, set[uuid.UUID]] = {}
        self.seen: list[Journey] = []  # the unit of work publishes their events

    async def get(self, jobseeker_id: uuid.UUID, coordination_org_id: uuid.UUID) -> Journey | None:
        person = await self.session.get(JobseekerRow, jobseeker_id, with_for_update=True)
        if person is None or person.erased_at is not None:  # an erased person has no journey left
            return None
        members = await self.session.execute(
            select(JourneyMemberRow.org_id).where(JourneyMemberRow.jobseeker_id == jobseeker_id)
        )
        referrals = await self.session.execute(
            select(ReferralRow.id, ReferralRow.sender_org_id, ReferralRow.receiver_org_id).where(
                ReferralRow.jobseeker_id == jobseeker_id,
                ReferralRow.status.in_([s.value for s in OPEN_STATUSES]),
            )
        )
        tasks = await self.session.execute(
            select(TaskRow).where(
                TaskRow.jobseeker_id == jobseeker_id, TaskRow.status == TaskStatus.OPEN.value
            )
        )
        journey = Journey(
            jobseeker_id=jobseeker_id,
            referent_org_id=person.referent_org_id,
            coordination_org_id=coordination_org_id,
            follow_up=set(members.scalars()),
            open_referrals={r.id: OpenReferral(r.sender_org_id, r.receiver_org_id) for r in referrals},
            tasks=[
                Task(
                    t.id,
                    TaskKind(t.kind),
                    t.org_id,
                    t.jobseeker_id,
                    t.due,
                    t.referral_id,
                    TaskStatus(t.status),
                    t.note,
                )
                for t in tasks.scalars()
            ],
            in_pact=person.in_pact,
            exit_outcome=person.exit_outcome,
        )
        if not person.in_pact:
            await self._load_exit(journey)
        self._loaded_status.update({t.id: t.status for t in journey.tasks})
        self._loaded_members[jobseeker_id] = set(journey.follow_up)
        self.seen.append(journey)
        return journey

    async def _load_exit(self, journey: Journey) -> None:
        """The latest exit and the follow-ups recorded since, read back from the person's history."""
        entries = await self.session.execute(
            select(JourneyEntryRow.kind, JourneyEntryRow.at, JourneyEntryRow.detail)
            .where(
                JourneyEntryRow.jobseeker_id == journey.jobseeker_id,
                or_(JourneyEntryRow.kind == "exit", JourneyEntryRow.kind.startswith("exit_follow_up_")),
            )
            .order_by(JourneyEntryRow.id)
        )
        for kind, at, detail in entries:
            if kind == "exit":
                journey.exited_at, journey.exit_follow_ups = at, {}
            elif detail is not None:
                journey.exit_follow_ups[int(kind.removeprefix("exit_follow_up_"))] = detail

    async def save(self, journey: Journey) -> None:
        person = await self.session.get(JobseekerRow, journey.jobseeker_id)
        assert person is not None
        person.referent_org_id = journey.referent_org_id
        person.in_pact = journey.in_pact
        person.exit_outcome = journey.exit_outcome
        joined = journey.follow_up - self._loaded_members.get(journey.jobseeker_id, set())
        if joined:  # only who joined the follow-up group since it was loaded (under the person's lock)
            await self.session.execute(
                insert(JourneyMemberRow)
                .values([{"jobseeker_id": journey.jobseeker_id, "org_id": org} for org in sorted(joined)])
                .on_conflict_do_nothing()
            )
            self._loaded_members.setdefault(journey.jobseeker_id, set()).update(joined)
        now = datetime.now(UTC)
        for task in journey.tasks:
            before = self._loaded_status.get(task.id)
            if before is None:
                self.session.add(
                    TaskRow(
                        id=task.id,
                        kind=task.kind.value,
                        org_id=task.org_id,
                        jobseeker_id=task.jobseeker_id,
                        referral_id=task.referral_id,
                        due=task.due,
                        status=task.status.value,
                        note=task.note,
                    )
                )
            elif before is not task.status:
                row = await self.session.get(TaskRow, task.id)
                assert row is not None
                row.status = task.status.value
                row.updated_at = now
            self._loaded_status[task.id] = task.status
        for entry in journey.history:
            self.session.add(
                JourneyEntryRow(
                    jobseeker_id=journey.jobseeker_id,
                    at=entry.at,
                    kind=entry.kind,
                    org_id=entry.org_id,
                    referral_id=entry.referral_id,
                    detail=entry.detail,
                )
            )
        journey.history.clear()
        await self.session.flush()


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, org_kind: str) -> ReferralPolicy:
        """The newest version for the kind, else the newest default ('*'): one query."""
        row = (
            await self.session.execute(
                select(PolicyRow)
                .where(PolicyRow.org_kind.in_([org_kind, "*"]))
                .order_by((PolicyRow.org_kind == org_kind).desc(), PolicyRow.version.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        return policy_from_row(row)

    async def version(self, version: int) -> ReferralPolicy:
        """Version numbers are unique across kinds: a referral keeps the one it was submitted under."""
        row = (
            await self.session.execute(select(PolicyRow).where(PolicyRow.version == version).limit(1))
        ).scalar()
        return policy_from_row(row)

    async def next_version(self) -> int:
        """Versions are unique across kinds; the lock serialises concurrent publications."""
        from sqlalchemy import func, text

        await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('relais.referral_policies'))"))

        return (
            int(
                (
                    await self.session.execute(select(func.coalesce(func.max(PolicyRow.version), 0)))
                ).scalar_one()
            )
            + 1
        )


def policy_from_row(row: PolicyRow | None) -> ReferralPolicy:
    """A policy version as the domain knows it; the built-in defaults when there is no row."""
    if row is None:
        return ReferralPolicy()
    return ReferralPolicy(
        version=row.version,
        reminder_days=row.reminder_days,
        acknowledgement_days=row.acknowledgement_days,
        manager_escalation_days=row.manager_escalation_days,
        coordination_escalation_days=row.coordination_escalation_days,
        expiry_days=row.expiry_days,
        reorient_days=row.reorient_days,
        appointment_outcome_days=row.appointment_outcome_days,
        decision_days=row.decision_days,
        max_no_shows=row.max_no_shows,
        unaccompanied_days=row.unaccompanied_days,
    )
