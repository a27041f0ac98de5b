"""What the referral service's workflows take in, receive and answer: plain pydantic models.

Kept apart from the workflow definitions and passed through the sandbox: a workflow's module is
imported again for every workflow instance the worker creates, and building these model classes each
time was most of the worker's CPU (see the README's Performance section).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class ReferralWorkflowInput(BaseModel):
    referral_id: str
    sender_org_id: str
    receiver_org_id: str
    status: str = "submitted"
    reminder_at: datetime
    manager_escalation_at: datetime
    coordination_escalation_at: datetime
    expiry_at: datetime
    outcome_due_at: datetime | None = None
    decision_due_at: datetime | None = None
    had_appointment: bool = False


class StatusChanged(BaseModel):
    """The referral's current state, read from the database by the bridge (late or repeated: converges)."""

    status: str
    outcome_due_at: datetime | None = None
    decision_due_at: datetime | None = None
    had_appointment: bool = False


class ReferralWorkflowStatus(BaseModel):
    status: str
    steps_done: list[str]


SIGNALS_BEFORE_CONTINUE_AS_NEW = 500


class JourneySnapshot(BaseModel):
    version: int
    in_pact: bool
    unaccompanied_since: date | None = None
    unaccompanied_due_at: datetime | None = None
    follow_ups_at: list[datetime] = []


class JourneyWorkflowInput(BaseModel):
    jobseeker_id: str
    snapshot: JourneySnapshot | None = None
    done: list[str] = []
    signals_before_continue_as_new: int = SIGNALS_BEFORE_CONTINUE_AS_NEW


class JourneyWorkflowStatus(BaseModel):
    in_pact: bool
    unaccompanied_since: date | None
    steps_done: list[str]
