"""E-mail to the receiving organisation when a referral arrives: one each (``immediate``) or one a day
listing them (``digest``), per organisation (``organisations.referral_mail``).

Sent by the referral worker's Temporal Schedules (``workflows/arrival_mail.py``): they look for referrals
submitted within ``ARRIVAL_WINDOW`` that their receiver was not yet told of, send, then record each as
told, in its own transaction. So a referral is announced at least once: a crash between the send and the
record sends it again, with the same Message-ID (the SMTP adapter derives it from the key). The e-mail
names the referral by its reference, the organisations and dates, and links to ``/orientations/<id>``;
never the person (``notifications/messages.py``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from relais_referral.db.models import ArrivalMailRow, OrganisationRow, ReferralRow
from relais_referral.domain.calendar import paris_date
from relais_referral.domain.errors import NotAllowed
from relais_referral.notifications import messages
from relais_referral.service_layer.context import PactContext
from relais_referral.service_layer.errors import NotFound
from relais_shared.auth import Principal

MailMode = Literal["immediate", "digest"]
# Older referrals are not announced any more (a worker down longer than this, or the setting's first run).
ARRIVAL_WINDOW = timedelta(days=2)
BATCH = 500


async def set_mail_mode(
    uow: Any, principal: Principal, org_id: uuid.UUID, mode: MailMode, ctx: PactContext
) -> OrganisationRow:
    """The organisation's own counsellors, or the pact's administrators, choose how it is told."""
    if principal.org_id != org_id and not ctx.is_pact_admin(principal):
        raise NotFound("organisation")
    if not (principal.has_role("counsellor") or ctx.is_pact_admin(principal)):
        raise NotAllowed("seuls les conseillers de la structure ou un administrateur changent ce réglage")
    row: OrganisationRow | None = await uow.directory.organisation(org_id, for_update=True)
    if row is None:
        raise NotFound("organisation")
    row.referral_mail = mode
    return row


@dataclass(frozen=True)
class Arrivals:
    organisation: str
    email: str
    referrals: list[messages.ReceivedReferral]


async def pending(session: AsyncSession, mode: MailMode, now: datetime) -> dict[uuid.UUID, Arrivals]:
    """Referrals within the window, still unacknowledged and not yet announced, to organisations of
    ``mode`` with an address."""
    receiver, sender = aliased(OrganisationRow), aliased(OrganisationRow)
    told = select(ArrivalMailRow.referral_id).where(ArrivalMailRow.referral_id == ReferralRow.id)
    rows = await session.execute(
        select(ReferralRow, receiver.name, receiver.contact_email, sender.name)
        .join(receiver, receiver.id == ReferralRow.receiver_org_id)
        .join(sender, sender.id == ReferralRow.sender_org_id)
        .where(
            receiver.referral_mail == mode,
            receiver.contact_email.is_not(None),
            ReferralRow.submitted_at >= now - ARRIVAL_WINDOW,
            # Still awaiting its acknowledgement: one answered, withdrawn or expired meanwhile (the
            # schedule runs hourly or daily) must not ask the receiver to acknowledge it.
            ReferralRow.status == "submitted",
            ~told.exists(),
        )
        .order_by(ReferralRow.submitted_at)
        .limit(BATCH)
    )
    found: dict[uuid.UUID, Arrivals] = {}
    for referral, receiver_name, email, sender_name in rows:
        arrivals = found.setdefault(referral.receiver_org_id, Arrivals(receiver_name, email, []))
        arrivals.referrals.append(
            messages.ReceivedReferral(
                referral.id, sender_name, paris_date(referral.submitted_at), referral.acknowledgement_due
            )
        )
    return found


async def send_arrival_mails(
    sessions: async_sessionmaker[AsyncSession], notifier: Any, ctx: PactContext, mode: MailMode
) -> int:
    """Sends what is pending for ``mode``; returns how many e-mails went out."""
    async with sessions() as session:
        todo = await pending(session, mode, datetime.now(UTC))
    sent = 0
    for org_id, arrivals in sorted(todo.items()):
        if mode == "immediate":
            notifications = [
                (
                    [r.referral_id],
                    messages.referral_received(
                        recipients=[arrivals.email],
                        idempotency_key=f"arrival-{r.referral_id}",
                        portal_url=ctx.portal_url,
                        referral_id=r.referral_id,
                        sender_organisation=r.sender_organisation,
                        receiving_organisation=arrivals.organisation,
                        submitted_on=r.submitted_on,
                        acknowledgement_due=r.acknowledgement_due,
                    ),
                )
                for r in arrivals.referrals
            ]
        else:
            ids = [r.referral_id for r in arrivals.referrals]
            key = hashlib.sha256("".join(sorted(str(i) for i in ids)).encode()).hexdigest()[:32]
            notifications = [
                (
                    ids,
                    messages.referral_digest(
                        recipients=[arrivals.email],
                        idempotency_key=f"digest-{org_id}-{key}",
                        portal_url=ctx.portal_url,
                        receiving_organisation=arrivals.organisation,
                        referrals=arrivals.referrals,
                    ),
                )
            ]
        for referral_ids, notification in notifications:
            await notifier.send(notification)
            async with sessions() as session, session.begin():
                for referral_id in referral_ids:
                    await session.merge(ArrivalMailRow(referral_id=referral_id, receiver_org_id=org_id))
            sent += 1
    return sent
