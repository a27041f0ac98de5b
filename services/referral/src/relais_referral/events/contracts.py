"""Integration events published by the referral service (contracts in ``contracts/events``).

No personal data: a jobseeker travels as an opaque id plus categorical attributes only; free-text
comments and motives never leave the service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from relais_referral.domain.situations import Situation
from relais_shared.envelope import EventData, EventRegistry

TOPIC = "relais.referral.events"
registry = EventRegistry()

AgeBand = Literal["under_26", "26_49", "50_plus"]
Sex = Literal["F", "M"]
NationalityCategory = Literal["french", "eu", "non_eu"]
EducationLevel = Literal["infra_3", "3", "4", "5", "6_plus"]
RefusalReasonCode = Literal[
    "not_eligible",
    "no_capacity",
    "unreachable",
    "declined_by_jobseeker",
    "better_suited_elsewhere",
    "duplicate",
    "other",
]


class _EqualityAxes(EventData):
    """The equality axes of DOMAIN.md (Indicators), categorical only: optional, ``null`` when not recorded.
    Never the nationality itself nor origin; disability (health data, GDPR art. 9) as a yes/no flag only."""

    age_band: AgeBand | None = None
    sex: Sex | None = None
    qpv_resident: bool | None = None
    nationality_category: NationalityCategory | None = Field(
        default=None,
        description="french, eu (another EU country) or non_eu: a category, never the nationality",
    )
    education_level: EducationLevel | None = Field(
        default=None, description="Qualification level (2019 nomenclature: 3 = CAP/BEP, 4 = baccalauréat…)"
    )
    long_term_unemployed: bool | None = None
    minimum_income: bool | None = Field(default=None, description="Receives RSA, ASS or AAH (minima sociaux)")
    disability: bool | None = Field(
        default=None,
        description="Recognised disability (RQTH or AAH), yes or no: never a diagnosis or detail",
    )


class _ReferralEvent(EventData):
    source: ClassVar[str] = "referral"
    topic: ClassVar[str] = TOPIC
    referral_id: uuid.UUID

    def subject(self) -> str:
        return str(self.referral_id)


class _JourneyEvent(EventData):
    source: ClassVar[str] = "referral"
    topic: ClassVar[str] = TOPIC
    jobseeker_id: uuid.UUID

    def subject(self) -> str:
        return str(self.jobseeker_id)


@registry.register
class ReferralSubmittedV1(_ReferralEvent, _EqualityAxes):
    """A counsellor referred a jobseeker to another organisation (orientation envoyée), with the person's
    equality axes as they stand that day."""

    event_type: ClassVar[str] = "referral.submitted.v1"
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    submitted_at: datetime
    acknowledgement_due: date = Field(description="Last working day for the acknowledgement")
    receiver_departement: str = Field(pattern=r"^(\d{2}|2[AB]|97\d)$")
    training_session_id: uuid.UUID | None = Field(
        default=None,
        description="The training session a referral to a training provider asks a seat in (training"
        " service id); the provider's enrolment of the person answers the referral",
    )


@registry.register
class ReferralAcknowledgedV1(_ReferralEvent):
    """The receiving organisation confirmed it received the referral (accusé de réception)."""

    event_type: ClassVar[str] = "referral.acknowledged.v1"
    receiver_org_id: uuid.UUID
    acknowledged_at: datetime


@registry.register
class ReferralAppointmentScheduledV1(_ReferralEvent):
    """A first meeting is fixed; its outcome is due by ``outcome_due_at``."""

    event_type: ClassVar[str] = "referral.appointment_scheduled.v1"
    receiver_org_id: uuid.UUID
    appointment_at: datetime
    outcome_due_at: datetime


@registry.register
class ReferralAppointmentOutcomeRecordedV1(_ReferralEvent):
    """Seen, no-show or excused; ``no_shows`` counts the no-shows of this referral so far."""

    event_type: ClassVar[str] = "referral.appointment_outcome_recorded.v1"
    receiver_org_id: uuid.UUID
    outcome: Literal["seen", "no_show", "excused"]
    no_shows: int = Field(ge=0)
    recorded_at: datetime
    appointment_at: datetime | None = Field(
        default=None,
        description="The appointment this outcome is about (the person was seen then, whenever the "
        "outcome was recorded); absent from the events published before it was added",
    )


@registry.register
class ReferralAcceptedV1(_ReferralEvent):
    """Prise en charge: the receiving organisation takes the person in charge. An accompanying structure
    becomes their référent; a training provider or an employer takes them in charge for that step only,
    and the référent stays: read `journey.referent_changed.v1` for who the référent is."""

    event_type: ClassVar[str] = "referral.accepted.v1"
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    accepted_at: datetime


@registry.register
class ReferralReturnedToSenderV1(_ReferralEvent):
    """Refused, expired or repeated no-show: the sender must re-orient by ``reorient_due``."""

    event_type: ClassVar[str] = "referral.returned_to_sender.v1"
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: Literal["refused", "expired"]
    reason_code: RefusalReasonCode | None = None
    reason_shared_with_jobseeker: bool
    reorient_due: date
    returned_at: datetime


@registry.register
class ReferralWithdrawnV1(_ReferralEvent):
    """The sending organisation withdrew its referral."""

    event_type: ClassVar[str] = "referral.withdrawn.v1"
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    withdrawn_at: datetime


@registry.register
class ReferralObsoleteV1(_ReferralEvent):
    """Another referral of the person succeeded, or a life event ended the need."""

    event_type: ClassVar[str] = "referral.obsolete.v1"
    jobseeker_id: uuid.UUID
    receiver_org_id: uuid.UUID
    cause: Literal["another_referral_accepted", "hired", "moved_out", "exit"]
    obsolete_at: datetime


@registry.register
class ReferralClosedV1(_ReferralEvent):
    """The accompaniment started by this referral ended, with its outcome category."""

    event_type: ClassVar[str] = "referral.closed.v1"
    jobseeker_id: uuid.UUID
    receiver_org_id: uuid.UUID
    outcome: str = Field(max_length=40)
    closed_at: datetime


@registry.register
class ReferralEscalatedV1(_ReferralEvent):
    """A deadline passed: not acknowledged, no answer, an appointment's outcome late, no decision after it."""

    event_type: ClassVar[str] = "referral.escalated.v1"
    receiver_org_id: uuid.UUID
    level: Literal["reminder", "manager", "coordination", "appointment_outcome", "decision"]
    escalated_at: datetime


@registry.register
class JourneyReferentChangedV1(_JourneyEvent):
    """The person's référent changed (accepted referral, designation by the coordination, release)."""

    event_type: ClassVar[str] = "journey.referent_changed.v1"
    previous_referent_org_id: uuid.UUID | None
    referent_org_id: uuid.UUID | None
    cause: Literal["referral_accepted", "assigned_by_coordination", "released", "training_ended"]
    changed_at: datetime


@registry.register
class JourneyLifeEventRecordedV1(_JourneyEvent):
    """Hired, moved out of the territory, or training abandoned."""

    event_type: ClassVar[str] = "journey.life_event_recorded.v1"
    kind: Literal["hired", "moved_out", "training_abandoned"]
    contract_type: str | None = Field(default=None, max_length=20)
    weekly_hours: float | None = Field(default=None, ge=0, le=48)
    recorded_at: datetime


@registry.register
class JourneyExitedV1(_JourneyEvent):
    """Sortie du pacte, with the person's situation at exit; follow-ups at +3, +6 and +12 months."""

    event_type: ClassVar[str] = "journey.exited.v1"
    outcome: Situation = Field(
        description="The person's situation at exit, in the pact's vocabulary (each exit definition maps it "
        "to its own category); older events carry one of the four DARES categories themselves"
    )
    referent_org_id: uuid.UUID | None
    exited_at: datetime


@registry.register
class JourneyExitFollowedUpV1(_JourneyEvent):
    """The référent recorded the person's situation 3, 6 or 12 months after their exit (suivi post-sortie).
    A later event for the same exit and horizon replaces the earlier answer."""

    event_type: ClassVar[str] = "journey.exit_followed_up.v1"
    horizon_months: Literal[3, 6, 12]
    # Not ``situation``: that name is the registration's situation codes (health, minimum income), which
    # never leave the service; this one is the exit vocabulary's closed list.
    observed_situation: Situation
    exited_at: datetime = Field(description="The exit this follow-up is about (journey.exited.v1)")
    referent_org_id: uuid.UUID
    recorded_at: datetime


@registry.register
class JobseekerUnaccompaniedV1(_JourneyEvent):
    """Nobody has been responsible for the person for longer than the pact allows: the headline figure."""

    event_type: ClassVar[str] = "jobseeker.unaccompanied.v1"
    since: date
    working_days: int = Field(ge=0)
    detected_at: datetime


# Needs travel as data·inclusion codes with the opaque person id and categorical axes, so the evaluation
# can count barriers and how long they take to lift, by territory and equality axis. Health needs
# (category ``sante``, GDPR art. 9) never travel: they leave the service only as aggregate counts.
NeedCode = Annotated[str, StringConstraints(pattern=r"^[a-z-]+(--[a-z-]+)?$", max_length=120)]


@registry.register
class JobseekerNeedIdentifiedV1(_JourneyEvent):
    """A counsellor identified a need (frein) of the person, as a data·inclusion thematic or category."""

    event_type: ClassVar[str] = "jobseeker.need_identified.v1"
    need_id: uuid.UUID
    thematique: NeedCode
    categorie: NeedCode
    identified_on: date
    identified_by_org_id: uuid.UUID
    epci: str | None = Field(default=None, pattern=r"^\d{9}$", description="The person's intercommunality")
    departement: str | None = Field(default=None, pattern=r"^(\d{2}|2[AB]|97\d)$")
    age_band: AgeBand | None = None
    sex: Sex | None = None
    qpv_resident: bool | None = None


@registry.register
class JobseekerNeedLiftedV1(_JourneyEvent):
    """A need of the person is lifted (levée du frein), with how long it took."""

    event_type: ClassVar[str] = "jobseeker.need_lifted.v1"
    need_id: uuid.UUID
    thematique: NeedCode
    categorie: NeedCode
    identified_on: date
    lifted_on: date
    days_to_lift: int = Field(ge=0)
    lifted_by_org_id: uuid.UUID


@registry.register
class JobseekerAttributesChangedV1(_JourneyEvent, _EqualityAxes):
    """A correction changed one of the person's equality axes: all of them as they now stand (the latest
    observation of each wins for the evaluation). Categorical codes and the opaque id only."""

    event_type: ClassVar[str] = "jobseeker.attributes_changed.v1"
    changed_at: datetime


@registry.register
class JobseekerMergedV1(_JourneyEvent):
    """The pact coordination merged two records of one person: ``duplicate_id`` is gone, its referrals and
    journey now belong to ``jobseeker_id``. Opaque ids only; consumers re-key what they hold."""

    event_type: ClassVar[str] = "jobseeker.merged.v1"
    duplicate_id: uuid.UUID
    merged_at: datetime
    merged_by_org_id: uuid.UUID


@registry.register
class JobseekerErasedV1(_JourneyEvent):
    """The person's identity and free texts were erased (GDPR art. 17, on request or at the end of the
    retention period): every service purges or anonymises what it holds under this opaque id."""

    event_type: ClassVar[str] = "jobseeker.erased.v1"
    erased_at: datetime
    reason: Literal["request", "retention"] = Field(
        description="On the person's request, or at the end of the retention period of its legal basis"
    )
