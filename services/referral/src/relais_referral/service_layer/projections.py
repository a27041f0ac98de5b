"""Read models kept in step with the service's own events (called once per event id).

The inbox is updated on every referral event from the referral's current row: a redelivered, late or
replayed event can only bring it closer to the truth, never back in time. Being a function of the
referrals' rows, not of the events' order, it is projected a batch at a time: one statement for all
the referrals a batch of events names, however many events each of them had.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import InboxEntryRow, ReferralRow
from relais_shared.envelope import IncomingEnvelope

PROJECTED = (
    "receiver_org_id",
    "sender_org_id",
    "jobseeker_id",
    "status",
    "submitted_at",
    "acknowledgement_due",
    "updated_at",
)


def _referral_ids(envelopes: Sequence[IncomingEnvelope]) -> list[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for envelope in envelopes:
        if not envelope.type.startswith("referral."):
            continue  # journey events: not about one referral
        try:
            ids.add(uuid.UUID(envelope.subject))
        except ValueError:
            continue
    return list(ids)


async def project_inbox(session: AsyncSession, envelopes: Sequence[IncomingEnvelope]) -> None:
    """Each organisation's inbox of incoming referrals, for every referral these events name."""
    ids = _referral_ids(envelopes)
    if not ids:
        return
    rows = (
        select(ReferralRow.id, *(getattr(ReferralRow, column) for column in PROJECTED))
        .where(ReferralRow.id == any_(bindparam("ids", ids, type_=ARRAY(UUID(as_uuid=True)))))
        .order_by(ReferralRow.id)  # one lock order for every consumer instance
    )
    statement = insert(InboxEntryRow).from_select(["referral_id", *PROJECTED], rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[InboxEntryRow.referral_id],
            set_={column: statement.excluded[column] for column in PROJECTED},
        )
    )
