"""The events this service reads, as it reads them (tolerant reader: unknown fields are ignored).

This service never imports another service's code: each contract it depends on is restated here with
only the fields it uses, checked against the published JSON Schemas by the contract tests. The
equality axes are optional fields: a referral and a correction of the person
(``jobseeker.attributes_changed.v1``) carry all of them, a need some, an older event fewer; an axis an
event does not carry is not observed by it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

Code = str  # categorical codes, kept as the producer spells them (at most 40 characters in the store)


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Axes(_Event):
    sex: Code | None = None
    age_band: Code | None = None
    qpv_resident: bool | None = None
    nationality_category: Code | None = None
    education_level: Code | None = None
    long_term_unemployed: bool | None = None
    minimum_income: bool | None = None
    disability: bool | None = None


class ReferralSubmitted(_Axes):
    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    submitted_at: datetime
    acknowledgement_due: date
    receiver_departement: str = Field(max_length=3)


class ReferralAcknowledged(_Event):
    referral_id: uuid.UUID
    receiver_org_id: uuid.UUID
    acknowledged_at: datetime


class AppointmentScheduled(_Event):
    referral_id: uuid.UUID
    receiver_org_id: uuid.UUID
    appointment_at: datetime


class AppointmentOutcomeRecorded(_Event):
    referral_id: uuid.UUID
    receiver_org_id: uuid.UUID
    outcome: Code
    no_shows: int
    recorded_at: datetime
    appointment_at: datetime | None = None  # absent from the events published before it was added


class ReferralAccepted(_Event):
    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    accepted_at: datetime


class ReferralReturned(_Event):
    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: Code
    reason_code: Code | None = None
    returned_at: datetime


class ReferralWithdrawn(_Event):
    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    withdrawn_at: datetime


class ReferralObsolete(_Event):
    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    obsolete_at: datetime


class ReferralClosed(_Event):
    referral_id: uuid.UUID
    jobseeker_id: uuid.UUID
    outcome: Code = Field(max_length=40)
    closed_at: datetime


class ReferralEscalated(_Event):
    referral_id: uuid.UUID
    level: Code
    escalated_at: datetime


class ReferentChanged(_Event):
    jobseeker_id: uuid.UUID
    referent_org_id: uuid.UUID | None = None
    changed_at: datetime


class LifeEventRecorded(_Event):
    jobseeker_id: uuid.UUID
    kind: Code
    contract_type: Code | None = None
    recorded_at: datetime


class PactExited(_Event):
    jobseeker_id: uuid.UUID
    outcome: Code = Field(max_length=40)
    referent_org_id: uuid.UUID | None = None
    exited_at: datetime


class ExitFollowedUp(_Event):
    """The référent's answer at +3, +6 or +12 months; a later one for the same horizon replaces it."""

    jobseeker_id: uuid.UUID
    horizon_months: int = Field(ge=1, le=24)
    observed_situation: Code = Field(max_length=40)
    exited_at: datetime
    recorded_at: datetime


class JobseekerUnaccompanied(_Event):
    jobseeker_id: uuid.UUID
    since: date
    detected_at: datetime


class NeedIdentified(_Axes):
    jobseeker_id: uuid.UUID
    identified_on: date
    departement: str | None = Field(default=None, max_length=3)


class AttributesChanged(_Axes):
    jobseeker_id: uuid.UUID
    changed_at: datetime


class JobseekerMerged(_Event):
    jobseeker_id: uuid.UUID
    duplicate_id: uuid.UUID


class JobseekerErased(_Event):
    jobseeker_id: uuid.UUID
    erased_at: datetime | None = None  # older events: the envelope's time


class EnrolmentConfirmed(_Event):
    enrolment_id: uuid.UUID
    jobseeker_id: uuid.UUID
    provider_org_id: uuid.UUID
    starts_on: date
    confirmed_at: datetime


class EnrolmentCompleted(_Event):
    enrolment_id: uuid.UUID
    jobseeker_id: uuid.UUID
    certified: bool
    completed_at: datetime


class EnrolmentAbandoned(_Event):
    enrolment_id: uuid.UUID
    jobseeker_id: uuid.UUID
    reason_code: Code
    abandoned_at: datetime


class EnrolmentCancelled(_Event):
    enrolment_id: uuid.UUID
    jobseeker_id: uuid.UUID
    cancelled_at: datetime


class ContractRegistered(_Event):
    contract_id: uuid.UUID
    buyer_org_id: uuid.UUID
    contractor_org_id: uuid.UUID
    facilitator_org_id: uuid.UUID
    starts_on: date
    ends_on: date
    hours_required: Decimal
    hours_mandatory: Decimal


class HoursDeclared(_Event):
    contract_id: uuid.UUID
    work_contract_id: uuid.UUID
    period: date
    version: int
    hours: Decimal


class ParticipantHired(_Event):
    work_contract_id: uuid.UUID
    jobseeker_id: uuid.UUID
    contract_type: Code
    hired_at: datetime
    employer_org_id: uuid.UUID | None = None


CONTRACTS: dict[str, type[BaseModel]] = {
    "referral.submitted.v1": ReferralSubmitted,
    "referral.acknowledged.v1": ReferralAcknowledged,
    "referral.appointment_scheduled.v1": AppointmentScheduled,
    "referral.appointment_outcome_recorded.v1": AppointmentOutcomeRecorded,
    "referral.accepted.v1": ReferralAccepted,
    "referral.returned_to_sender.v1": ReferralReturned,
    "referral.withdrawn.v1": ReferralWithdrawn,
    "referral.obsolete.v1": ReferralObsolete,
    "referral.closed.v1": ReferralClosed,
    "referral.escalated.v1": ReferralEscalated,
    "journey.referent_changed.v1": ReferentChanged,
    "journey.life_event_recorded.v1": LifeEventRecorded,
    "journey.exited.v1": PactExited,
    "journey.exit_followed_up.v1": ExitFollowedUp,
    "jobseeker.unaccompanied.v1": JobseekerUnaccompanied,
    "jobseeker.need_identified.v1": NeedIdentified,
    "jobseeker.attributes_changed.v1": AttributesChanged,
    "jobseeker.merged.v1": JobseekerMerged,
    "jobseeker.erased.v1": JobseekerErased,
    "training.enrolment_confirmed.v1": EnrolmentConfirmed,
    "training.enrolment_completed.v1": EnrolmentCompleted,
    "training.enrolment_abandoned.v1": EnrolmentAbandoned,
    "training.enrolment_cancelled.v1": EnrolmentCancelled,
    "clauses.contract_registered.v1": ContractRegistered,
    "clauses.hours_declared.v1": HoursDeclared,
    "clauses.participant_hired.v1": ParticipantHired,
    # Known and read by no indicator yet: claimed and skipped, so that the consumer's "unknown type"
    # warning stays for the types nobody has looked at.
    "jobseeker.need_lifted.v1": _Event,
    "training.enrolment_waitlisted.v1": _Event,
    "clauses.declaration_reminder.v1": _Event,
    "clauses.obligation_at_risk.v1": _Event,
    "clauses.obligation_reconciled.v1": _Event,
    "clauses.penalty_decided.v1": _Event,
}
