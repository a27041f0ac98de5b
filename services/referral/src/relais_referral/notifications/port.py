"""The notification port: what the referral workflows ask to be sent, and to whom.

Workflows decide *that* a reminder or an escalation goes out; an adapter decides *how* (SMTP today).
A notification carries organisation-facing text only — the builders in ``messages`` keep personal data
of the jobseeker out of it, since an e-mail leaves the platform's access control and audit log.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, EmailStr, Field

# What the referral workflows send about a referral or a person (each names a referral, or the pact's
# people without support).
ReferralNotificationKind = Literal[
    "acknowledgement_reminder",
    "escalation_manager",
    "escalation_coordination",
    "returned_to_sender",
    "referral_expired",
    "appointment_outcome_due",
    "decision_overdue",
    "outcome_follow_up",
    "unaccompanied",
    "referral_received",
    "referral_digest",
]
# What this service sends for another service from its directory's addresses (evaluation campaigns).
DirectoryNotificationKind = Literal["evaluator_reminder", "evaluator_invitation"]
NotificationKind = Literal[ReferralNotificationKind, DirectoryNotificationKind]


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: NotificationKind
    recipients: tuple[EmailStr, ...] = Field(min_length=1)
    # A line break in a header would let a value forge other headers.
    subject: str = Field(min_length=1, pattern=r"^[^\r\n]+$")
    body: str = Field(min_length=1)
    referral_ref: str | None = None
    idempotency_key: str = Field(
        min_length=1,
        description="Seed of the Message-ID: a retried activity re-sends the same message, not a new one",
    )


class Notifier(Protocol):
    async def send(self, notification: Notification) -> None: ...
