"""Repositories: translate between rows and domain objects; the domain never sees SQLAlchemy."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import ReferralRow
from relais_referral.domain.referral import Referral, ReferralStatus


class ReferralRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.seen: list[Referral] = []

    def add(self, referral: Referral) -> None:
        self.session.add(
            ReferralRow(
                id=referral.id,
                jobseeker_id=referral.jobseeker_id,
                sender_org_id=referral.sender_org_id,
                receiver_org_id=referral.receiver_org_id,
                status=referral.status.value,
                submitted_at=referral.submitted_at,
                acknowledgement_due=referral.acknowledgement_due,
                motive=referral.motive,
                submitted_by=referral.submitted_by,
                version=referral.version,
            )
        )
        self.seen.append(referral)

    async def get(self, referral_id: uuid.UUID, *, for_update: bool = False) -> Referral | None:
        stmt = select(ReferralRow).where(ReferralRow.id == referral_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        if row is None:
            return None
        referral = Referral(
            id=row.id,
            jobseeker_id=row.jobseeker_id,
            sender_org_id=row.sender_org_id,
            receiver_org_id=row.receiver_org_id,
            status=ReferralStatus(row.status),
            submitted_at=row.submitted_at,
            acknowledgement_due=row.acknowledgement_due,
            motive=row.motive,
            submitted_by=row.submitted_by,
            version=row.version,
        )
        self.seen.append(referral)
        return referral

    async def save(self, referral: Referral) -> None:
        row = await self.session.get(ReferralRow, referral.id)
        assert row is not None
        row.status = referral.status.value
        row.version = referral.version + 1
