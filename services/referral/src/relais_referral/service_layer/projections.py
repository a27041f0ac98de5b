"""Read models kept in step with the service's own events (called once per event id)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from relais_referral.db.models import InboxEntryRow
from relais_referral.domain.referral import ReferralStatus
from relais_referral.events import contracts as c
from relais_shared.envelope import IncomingEnvelope, read_data

# The status each event leaves the referral in, and the field of the event that dates it.
_STATUS_OF: dict[str, tuple[type[c.EventData], str, str]] = {
    c.ReferralAcknowledgedV1.event_type: (c.ReferralAcknowledgedV1, "acknowledged", "acknowledged_at"),
    c.ReferralAppointmentScheduledV1.event_type: (
        c.ReferralAppointmentScheduledV1,
        "appointment_scheduled",
        "",
    ),
    c.ReferralAcceptedV1.event_type: (c.ReferralAcceptedV1, "accepted", "accepted_at"),
    c.ReferralWithdrawnV1.event_type: (c.ReferralWithdrawnV1, "withdrawn", "withdrawn_at"),
    c.ReferralObsoleteV1.event_type: (c.ReferralObsoleteV1, "obsolete", "obsolete_at"),
    c.ReferralClosedV1.event_type: (c.ReferralClosedV1, "closed", "closed_at"),
}


async def project_inbox(session: AsyncSession, envelope: IncomingEnvelope) -> None:
    """Each organisation's inbox of incoming referrals, built only from events."""
    if envelope.type == c.ReferralSubmittedV1.event_type:
        event = read_data(envelope, c.ReferralSubmittedV1)
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
                updated_at=envelope.time,
            )
            .on_conflict_do_nothing()
        )
        return
    status: str | None = None
    if envelope.type == c.ReferralReturnedToSenderV1.event_type:
        status = read_data(envelope, c.ReferralReturnedToSenderV1).status
    elif envelope.type == c.ReferralAppointmentOutcomeRecordedV1.event_type:
        outcome = read_data(envelope, c.ReferralAppointmentOutcomeRecordedV1)
        status = "appointment_scheduled" if outcome.outcome == "seen" else "acknowledged"
    elif envelope.type in _STATUS_OF:
        model, status, _ = _STATUS_OF[envelope.type]
        read_data(envelope, model)  # validates the payload
    if status is None:
        return
    # Events of one referral arrive in order (same key, same partition); `time` guards replays.
    await session.execute(
        update(InboxEntryRow)
        .where(InboxEntryRow.referral_id == envelope.subject)
        .where(InboxEntryRow.updated_at <= envelope.time)
        .values(status=status, updated_at=envelope.time)
    )
