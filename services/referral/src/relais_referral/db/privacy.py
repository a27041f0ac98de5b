"""What the data-protection rights read and write in the referral database (GDPR art. 15 and 17).

The export gathers everything held on a person; the erasure blanks their identity and free texts in
place, so that the opaque id and the categorical facts (postcode, sex, QPV residence, nationality
category, situation, statuses, dates, codes) stay for the statistics; the audit log is read for the
data-protection officer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import (
    JobseekerCorrectionRow,
    JobseekerRow,
    JourneyEntryRow,
    NeedRow,
    ReferralNoteRow,
    ReferralRow,
    TaskRow,
    infra,
)
from relais_referral.domain.journey import TaskStatus
from relais_referral.domain.offer import HEALTH_CATEGORY
from relais_referral.domain.referral import OPEN_STATUSES

# What an erased row holds instead of a name: the columns are NOT NULL, and an empty name is no one's.
ERASED_TEXT = ""


@dataclass
class PersonRecord:
    """Everything the referral service holds on one person, as rows (the API shapes it)."""

    person: JobseekerRow
    referrals: list[ReferralRow] = field(default_factory=list)
    journey: list[JourneyEntryRow] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    needs: list[NeedRow] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, person: JobseekerRow) -> PersonRecord:
        referrals = list(
            (
                await self.session.execute(
                    select(ReferralRow)
                    .where(ReferralRow.jobseeker_id == person.id)
                    .order_by(ReferralRow.submitted_at)
                )
            ).scalars()
        )
        journey = (
            await self.session.execute(
                select(JourneyEntryRow)
                .where(JourneyEntryRow.jobseeker_id == person.id)
                .order_by(JourneyEntryRow.id)
            )
        ).scalars()
        tasks = (
            await self.session.execute(
                select(TaskRow).where(TaskRow.jobseeker_id == person.id).order_by(TaskRow.created_at)
            )
        ).scalars()
        needs = (
            await self.session.execute(
                select(NeedRow).where(NeedRow.jobseeker_id == person.id).order_by(NeedRow.identified_on)
            )
        ).scalars()
        audit = await self.audit_lines(jobseeker_id=person.id, limit=10_000)
        return PersonRecord(person, referrals, list(journey), list(tasks), list(needs), audit)

    async def erase(self, jobseeker_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        """Blank identity and free texts, end the journey; the caller holds the person's row lock."""
        await self.session.execute(
            update(JobseekerRow)
            .where(JobseekerRow.id == jobseeker_id)
            .values(
                first_name=ERASED_TEXT,
                last_name=ERASED_TEXT,
                birth_date=None,
                email=None,
                phone=None,
                in_pact=False,
                commune=None,
                erased_at=at,
            )
        )
        # Caseload: the values corrections replaced, and the notes exchanged on the person's referrals.
        await self.session.execute(
            update(JobseekerCorrectionRow)
            .where(JobseekerCorrectionRow.jobseeker_id == jobseeker_id)
            .values(previous={})
        )
        referrals = select(ReferralRow.id).where(ReferralRow.jobseeker_id == jobseeker_id)
        await self.session.execute(delete(ReferralNoteRow).where(ReferralNoteRow.referral_id.in_(referrals)))
        # Health needs are special category data (art. 9): gone; other needs stay as categorical codes.
        await self.session.execute(
            delete(NeedRow).where(
                NeedRow.jobseeker_id == jobseeker_id, NeedRow.thematique.like(f"{HEALTH_CATEGORY}%")
            )
        )
        await self.session.execute(
            update(ReferralRow)
            .where(ReferralRow.jobseeker_id == jobseeker_id)
            .values(motive=ERASED_TEXT, refusal_comment=None)
        )
        # Nobody is to act on an erased person any more (their journey workflow then has nothing to time).
        await self.session.execute(
            update(TaskRow)
            .where(TaskRow.jobseeker_id == jobseeker_id, TaskRow.status == TaskStatus.OPEN.value)
            .values(status=TaskStatus.CANCELLED.value, updated_at=at)
        )
        self.session.add(JourneyEntryRow(jobseeker_id=jobseeker_id, at=at, kind="erased", detail=reason))
        # Stored answers of POST /v1/referrals replayed by Idempotency-Key hold the motive.
        keys = infra.idempotency_keys.c
        await self.session.execute(
            delete(infra.idempotency_keys).where(keys.response["jobseeker_id"].astext == str(jobseeker_id))
        )
        await self.session.flush()

    async def has_open_referrals(self, jobseeker_id: uuid.UUID) -> bool:
        found = await self.session.execute(
            select(ReferralRow.id)
            .where(
                ReferralRow.jobseeker_id == jobseeker_id,
                ReferralRow.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .limit(1)
        )
        return found.first() is not None

    async def due_for_erasure(
        self, cutoffs: dict[str, datetime], default_cutoff: datetime, *, limit: int
    ) -> list[uuid.UUID]:
        """People not erased, with no open referral, whose last activity (registration, a journey line, a
        change to one of their referrals) is older than the cutoff of their legal basis."""
        last_entry = (
            select(func.max(JourneyEntryRow.at))
            .where(JourneyEntryRow.jobseeker_id == JobseekerRow.id)
            .scalar_subquery()
        )
        last_referral = (
            select(func.max(ReferralRow.updated_at))
            .where(ReferralRow.jobseeker_id == JobseekerRow.id)
            .scalar_subquery()
        )
        last_activity = func.greatest(JobseekerRow.created_at, last_entry, last_referral)
        open_referral = (
            select(literal(1))
            .where(
                ReferralRow.jobseeker_id == JobseekerRow.id,
                ReferralRow.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .exists()
        )
        per_basis = [
            and_(JobseekerRow.legal_basis == basis, last_activity < cutoff)
            for basis, cutoff in cutoffs.items()
        ]
        other_bases = and_(JobseekerRow.legal_basis.not_in(list(cutoffs)), last_activity < default_cutoff)
        found = await self.session.execute(
            select(JobseekerRow.id)
            .where(JobseekerRow.erased_at.is_(None), ~open_referral, or_(*per_basis, other_bases))
            .order_by(JobseekerRow.id)
            .limit(limit)
        )
        return list(found.scalars())

    async def audit_lines(
        self,
        *,
        jobseeker_id: uuid.UUID | None = None,
        organisation_id: uuid.UUID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Audit lines, newest first; a person's are those naming them or one of their referrals."""
        audit = infra.audit_log.c
        stmt: Select[Any] = select(infra.audit_log)
        if jobseeker_id is not None:
            referrals = select(func.cast(ReferralRow.id, audit.resource_id.type)).where(
                ReferralRow.jobseeker_id == jobseeker_id
            )
            stmt = stmt.where(or_(audit.resource_id == str(jobseeker_id), audit.resource_id.in_(referrals)))
        if organisation_id is not None:
            stmt = stmt.where(audit.actor_org_id == organisation_id)
        if since is not None:
            stmt = stmt.where(audit.at >= since)
        if until is not None:
            stmt = stmt.where(audit.at < until)
        rows = await self.session.execute(stmt.order_by(audit.id.desc()).limit(limit).offset(offset))
        return [dict(row._mapping) for row in rows]

    async def person(self, jobseeker_id: uuid.UUID, *, for_update: bool = False) -> JobseekerRow | None:
        """The person's row, erased or not (under a lock for the erasure: one erasure at a time)."""
        return await self.session.get(
            JobseekerRow, jobseeker_id, with_for_update=for_update, populate_existing=for_update
        )
