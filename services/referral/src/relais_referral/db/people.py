"""Repositories of the directory, of people and of tasks: what handlers read and write beside the
referral and journey aggregates, so that no handler touches a session (their unit tests use fakes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import (
    JobseekerRow,
    JourneyEntryRow,
    JourneyMemberRow,
    MemberRow,
    OrganisationRow,
    ReferralRow,
    TaskRow,
)
from relais_referral.domain.journey import TaskKind, TaskStatus
from relais_referral.domain.referral import OPEN_STATUSES


class DirectoryRepository:
    """Organisations, their sites and members, and the published referral policies."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation(self, org_id: uuid.UUID, *, for_update: bool = False) -> OrganisationRow | None:
        return await self.session.get(OrganisationRow, org_id, with_for_update=for_update)

    async def add(self, row: Any) -> None:
        """A new organisation, site or policy version (flushed: a duplicate fails here, as a conflict)."""
        self.session.add(row)
        await self.session.flush()

    async def put_member(self, row: MemberRow) -> None:
        await self.session.merge(row)

    async def member(self, org_id: uuid.UUID, sub: str) -> MemberRow | None:
        return await self.session.get(MemberRow, (org_id, sub))

    async def members(self, org_id: uuid.UUID) -> list[MemberRow]:
        query = (
            select(MemberRow)
            .where(MemberRow.organisation_id == org_id)
            .order_by(MemberRow.display_name, MemberRow.sub)
        )
        return list((await self.session.execute(query)).scalars())


class JobseekerRepository:
    """People's identity records (the only personal data in Relais) and who may see them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, jobseeker_id: uuid.UUID) -> JobseekerRow | None:
        return await self.session.get(JobseekerRow, jobseeker_id)

    async def add(self, row: JobseekerRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def visible_to(self, jobseeker: JobseekerRow, org_id: uuid.UUID) -> bool:
        """An organisation sees a person only *while* it is référent, follows them in the pact, or is a
        party to one of their open referrals: a refused, expired or withdrawn referral gives no access.
        Nobody sees an erased person."""
        if jobseeker.erased_at is not None:
            return False
        if jobseeker.referent_org_id == org_id:
            return True
        if jobseeker.in_pact and await self.session.get(JourneyMemberRow, (jobseeker.id, org_id)) is not None:
            return True
        found = await self.session.execute(
            select(ReferralRow.id)
            .where(ReferralRow.jobseeker_id == jobseeker.id)
            .where(ReferralRow.status.in_([s.value for s in OPEN_STATUSES]))
            .where((ReferralRow.sender_org_id == org_id) | (ReferralRow.receiver_org_id == org_id))
            .limit(1)
        )
        return found.first() is not None

    async def last_exit_at(self, jobseeker_id: uuid.UUID) -> datetime | None:
        found = await self.session.execute(
            select(JourneyEntryRow.at)
            .where(JourneyEntryRow.jobseeker_id == jobseeker_id, JourneyEntryRow.kind == "exit")
            .order_by(JourneyEntryRow.id.desc())
            .limit(1)
        )
        return found.scalar()

    async def last_referral_id(self, jobseeker_id: uuid.UUID) -> uuid.UUID | None:
        found = await self.session.execute(
            select(ReferralRow.id)
            .where(ReferralRow.jobseeker_id == jobseeker_id)
            .order_by(ReferralRow.submitted_at.desc())
            .limit(1)
        )
        return found.scalar()


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_referral(self, referral_id: uuid.UUID, kind: TaskKind) -> TaskRow | None:
        found = await self.session.execute(
            select(TaskRow).where(TaskRow.referral_id == referral_id, TaskRow.kind == kind.value).limit(1)
        )
        return found.scalars().first()

    async def open_of_person(self, jobseeker_id: uuid.UUID, kind: TaskKind, *, due_by: date) -> bool:
        """Whether the person has an open task of this kind due by ``due_by``."""
        found = await self.session.execute(
            select(TaskRow.id)
            .where(
                TaskRow.jobseeker_id == jobseeker_id,
                TaskRow.kind == kind.value,
                TaskRow.status == TaskStatus.OPEN.value,
                TaskRow.due <= due_by,
            )
            .limit(1)
        )
        return found.first() is not None
