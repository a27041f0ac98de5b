"""Read models kept in step with the service's own events (called once per event id).

The inbox is updated on every referral event from the referral's current row: a redelivered, late or
replayed event can only bring it closer to the truth, never back in time.
"""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import InboxEntryRow, ReferralRow
from relais_shared.envelope import IncomingEnvelope


async def project_inbox(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    """Each organisation's inbox of incoming referrals."""
    if not envelope.type.startswith("referral."):
        return  # journey events: not about one referral
    try:
        referral_id = uuid.UUID(envelope.subject)
    except ValueError:
        return
    row = await session.get(ReferralRow, referral_id)
    if row is None:
        return
    values = {
        "receiver_org_id": row.receiver_org_id,
        "sender_org_id": row.sender_org_id,
        "jobseeker_id": row.jobseeker_id,
        "status": row.status,
        "submitted_at": row.submitted_at,
        "acknowledgement_due": row.acknowledgement_due,
        "updated_at": row.updated_at,
    }
    await session.execute(
        insert(InboxEntryRow)
        .values(referral_id=row.id, **values)
        .on_conflict_do_update(index_elements=[InboxEntryRow.referral_id], set_=values)
    )
