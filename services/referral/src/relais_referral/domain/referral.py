"""The referral aggregate (orientation) and its state machine.

A referral (orientation) hands a jobseeker from a sending organisation to a receiving one. Warm
hand-off: the sender stays référent until the receiver accepts. Each transition is allowed only to
the organisation whose turn it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from relais_referral.domain.errors import InvalidReferral, InvalidTransition, NotAllowed
from relais_referral.domain.events import DomainEvent, ReferralAcknowledged, ReferralSubmitted


class ReferralStatus(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    APPOINTMENT_SCHEDULED = "appointment_scheduled"
    ACCEPTED = "accepted"
    CLOSED = "closed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    OBSOLETE = "obsolete"


OPEN_STATUSES = frozenset(
    {ReferralStatus.SUBMITTED, ReferralStatus.ACKNOWLEDGED, ReferralStatus.APPOINTMENT_SCHEDULED}
)

# French labels shown to counsellors.
STATUS_LABELS_FR = {
    ReferralStatus.SUBMITTED: "Envoyée",
    ReferralStatus.ACKNOWLEDGED: "Réception confirmée",
    ReferralStatus.APPOINTMENT_SCHEDULED: "Rendez-vous fixé",
    ReferralStatus.ACCEPTED: "Prise en charge",
    ReferralStatus.CLOSED: "Clôturée",
    ReferralStatus.REFUSED: "Refusée",
    ReferralStatus.WITHDRAWN: "Retirée",
    ReferralStatus.EXPIRED: "Expirée",
    ReferralStatus.OBSOLETE: "Sans objet",
}


@dataclass
class Referral:
    id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: ReferralStatus
    submitted_at: datetime
    acknowledgement_due: date
    motive: str
    submitted_by: str
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def submit(
        cls,
        *,
        referral_id: uuid.UUID,
        jobseeker_id: uuid.UUID,
        sender_org_id: uuid.UUID,
        receiver_org_id: uuid.UUID,
        receiver_departement: str,
        motive: str,
        submitted_by: str,
        now: datetime,
        acknowledgement_due: date,
        age_band: str | None,
        qpv_resident: bool | None,
    ) -> Referral:
        if sender_org_id == receiver_org_id:
            raise InvalidReferral("an organisation cannot refer a jobseeker to itself")
        referral = cls(
            id=referral_id,
            jobseeker_id=jobseeker_id,
            sender_org_id=sender_org_id,
            receiver_org_id=receiver_org_id,
            status=ReferralStatus.SUBMITTED,
            submitted_at=now,
            acknowledgement_due=acknowledgement_due,
            motive=motive,
            submitted_by=submitted_by,
        )
        referral.events.append(
            ReferralSubmitted(
                referral_id=referral_id,
                occurred_at=now,
                jobseeker_id=jobseeker_id,
                sender_org_id=sender_org_id,
                receiver_org_id=receiver_org_id,
                acknowledgement_due=acknowledgement_due,
                receiver_departement=receiver_departement,
                age_band=age_band,
                qpv_resident=qpv_resident,
            )
        )
        return referral

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def involves(self, org_id: uuid.UUID) -> bool:
        return org_id in (self.sender_org_id, self.receiver_org_id)

    def acknowledge(self, *, by_org_id: uuid.UUID, now: datetime) -> None:
        """Accusé de réception by the receiving organisation."""
        if by_org_id != self.receiver_org_id:
            raise NotAllowed("only the receiving organisation acknowledges a referral")
        if self.status is not ReferralStatus.SUBMITTED:
            raise InvalidTransition(self.status, "acknowledge")
        self.status = ReferralStatus.ACKNOWLEDGED
        self.events.append(ReferralAcknowledged(referral_id=self.id, occurred_at=now, by_org_id=by_org_id))
