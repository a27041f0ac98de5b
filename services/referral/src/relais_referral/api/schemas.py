"""Request and response bodies of the referral API (with examples for the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar

from fastapi import Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from relais_referral.domain.calendar import PARIS
from relais_referral.domain.deadlines import DEADLINE_LABELS_FR, DeadlineKind
from relais_referral.domain.jobseeker import EqualityAxes
from relais_referral.domain.journey import TASK_LABELS_FR, Journey, TaskKind
from relais_referral.domain.referral import (
    REFUSAL_LABELS_FR,
    STATUS_LABELS_FR,
    AppointmentOutcome,
    Referral,
    ReferralStatus,
    RefusalReason,
)
from relais_referral.domain.situations import FOLLOW_UP_MONTHS, Situation
from relais_referral.service_layer.deadlines import DeadlineAhead
from relais_shared.auth import OrgKind

# Control characters are refused in every text (NUL first: PostgreSQL cannot store it); free texts keep
# their tabs and line breaks. As patterns, the rule is in the OpenAPI document too. Lone surrogates (no
# UTF-8 for them) are refused by pydantic itself.
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
FREE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def _trimmed(min_length: int, max_length: int, pattern: str = ONE_LINE) -> StringConstraints:
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )


# One-line texts (names, places, codes): trimmed, not blank, no control character.
Name = Annotated[str, _trimmed(1, 100)]  # a person's first or last name
Label = Annotated[str, _trimmed(2, 200)]  # a site's, a member's name
# An organisation's name, within what the national data·inclusion schema accepts for a structure's name
# (3 to 150 characters): the directory's export publishes it as is.
OrganisationName = Annotated[str, _trimmed(3, 150)]
Address = Annotated[str, _trimmed(3, 300)]
City = Annotated[str, _trimmed(1, 100)]
Code = Annotated[str, _trimmed(1, 100)]
# Free texts: trimmed, line breaks allowed.
Motive = Annotated[str, _trimmed(3, 2000, FREE_TEXT)]
Comment = Annotated[str, _trimmed(0, 2000, FREE_TEXT)]


# Paging of every list. An offset beyond PostgreSQL's bigint was a 500; now a 422 naming it.
Offset = Annotated[int, Query(ge=0, le=2**63 - 1, description="Nombre de lignes à sauter")]
Limit = Annotated[int, Query(ge=1, le=200, description="Nombre de lignes de la page")]

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# An appointment is fixed for the coming weeks; the bounds keep deadline arithmetic within the
# calendar (year 9999 overflowed it) and refuse typing errors. The domain refuses a past appointment.
APPOINTMENT_HORIZON = timedelta(days=2 * 366)
APPOINTMENT_GRACE = timedelta(days=1)


def _plausible_birth_date(value: date | None) -> date | None:
    if value is not None and not EARLIEST_BIRTH_DATE <= value <= datetime.now(PARIS).date():
        raise ValueError("date de naissance entre 1900 et aujourd'hui / birth date between 1900 and today")
    return value


def _plausible_appointment(value: datetime) -> datetime:
    now = datetime.now(UTC)
    if not now - APPOINTMENT_GRACE <= value <= now + APPOINTMENT_HORIZON:
        raise ValueError("rendez-vous dans les deux ans à venir / appointment within the next two years")
    return value


# The pact's organisation kinds: one list, the one tokens are checked against.
OrganisationKind: TypeAlias = OrgKind
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class OrganisationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Mission locale Nantes Métropole", "kind": "mission_locale", "departement": "44"}
            ]
        },
    )
    id: uuid.UUID | None = Field(default=None, description="Identifiant imposé (import d'annuaire)")
    name: OrganisationName
    kind: OrganisationKind
    departement: str = Field(pattern=r"^(\d{2}|2[AB]|97\d)$", description="Code du département (ex. 44)")
    contact_email: EmailStr | None = Field(default=None, description="Boîte fonctionnelle (relances)")
    manager_email: EmailStr | None = Field(default=None, description="Responsable (escalades)")


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kind: str
    departement: str
    capacity_status: Literal["open", "waitlist", "full"]


class SiteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Antenne Nantes Nord",
                    "address": "12 rue de la Bastille",
                    "postcode": "44300",
                    "city": "Nantes",
                    "departement": "44",
                }
            ]
        },
    )
    name: Label
    address: Address
    postcode: str = Field(pattern=r"^\d{5}$")
    city: City
    departement: str = Field(pattern=r"^(\d{2}|2[AB]|97\d)$")


class SiteOut(BaseModel):
    # Not a SiteIn: what was stored under earlier, laxer rules must still be readable.
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    address: str
    postcode: str
    city: str
    departement: str


class OrganisationDetail(OrganisationOut):
    contact_email: str | None = None
    sites: list[SiteOut] = []


class CapacityIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"capacity_status": "waitlist"}]}
    )
    capacity_status: Literal["open", "waitlist", "full"]


class MemberOut(BaseModel):
    """A member as another organisation's page may show them: who, and their roles; never the address."""

    model_config = ConfigDict(from_attributes=True)
    sub: str = Field(description="Sign-in account (the token's sub)")
    display_name: str
    roles: list[str]


class MemberIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "display_name": "Camille Lefèvre",
                    "email": "camille.lefevre@example.org",
                    "roles": ["counsellor"],
                }
            ]
        },
    )
    display_name: Label
    email: EmailStr | None = None
    roles: list[
        Literal[
            "counsellor",
            "facilitator",
            "buyer",
            "training_provider",
            "employer",
            "coordinator",
            "evaluator",
            "admin",
            "dpo",
        ]
    ] = Field(min_length=1)


# The categorical facts the equality monitoring counts people by (travel in events as codes).
Sex = Annotated[Literal["F", "M"], Field(description="Pour le suivi de l'égalité (agrégats seulement)")]
EducationLevel = Annotated[
    Literal["infra_3", "3", "4", "5", "6_plus"],
    Field(description="Niveau de qualification (nomenclature 2019 : 3 = CAP/BEP, 4 = bac…)"),
]
NationalityCategory = Annotated[
    Literal["french", "eu", "non_eu"],
    Field(
        description="Catégorie de nationalité pour le suivi de l'égalité : française, d'un autre pays de"
        " l'UE, hors UE (jamais la nationalité elle-même ni l'origine)"
    ),
]
SituationCode = Literal[
    "long_term_unemployed",
    "rsa",
    "ass",
    "aah",
    "disability_recognised",
    "qpv",
    "over_50",
    "under_26_low_qualification",
]


class JobseekerIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Inès",
                    "last_name": "Morel",
                    "birth_date": "2005-03-14",
                    "postcode": "44300",
                    "qpv_resident": True,
                    "email": "ines.morel@example.org",
                    "sex": "F",
                    "nationality_category": "french",
                    "education_level": "3",
                    "situation": ["long_term_unemployed"],
                    "information_given": True,
                }
            ]
        },
    )
    first_name: Name
    last_name: Name
    birth_date: Annotated[date | None, AfterValidator(_plausible_birth_date)] = Field(
        default=None, description="Entre le 1er janvier 1900 et aujourd'hui"
    )
    postcode: str = Field(pattern=r"^\d{5}$")
    qpv_resident: bool | None = None
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .]{6,20}$")
    sex: Sex | None = None
    education_level: EducationLevel | None = None
    nationality_category: NationalityCategory | None = None
    situation: list[SituationCode] = Field(default_factory=list)
    information_given: bool = Field(default=True, description="La personne a reçu l'information RGPD")


class JobseekerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    first_name: str
    last_name: str
    birth_date: date | None
    postcode: str
    qpv_resident: bool | None
    email: str | None
    phone: str | None
    referent_org_id: uuid.UUID | None
    legal_basis: str
    in_pact: bool = True
    commune: str | None = None
    sex: str | None = None
    education_level: str | None = None
    nationality_category: str | None = None
    situation: list[str] = []


class ReferralIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "jobseeker_id": "0b8e4d1c-0000-4000-8000-000000000001",
                    "receiver_org_id": "0b8e4d1c-0000-4000-8000-0000000000b2",
                    "motive": "Accompagnement renforcé vers l'emploi durable",
                }
            ]
        },
    )
    jobseeker_id: uuid.UUID
    receiver_org_id: uuid.UUID
    motive: Motive = Field(description="Motif de l'orientation")
    training_session_id: uuid.UUID | None = Field(
        default=None,
        description="Session de formation demandée (service formation), pour une orientation vers un"
        " organisme de formation : son inscription de la personne vaut prise en charge",
    )


class NextDeadlineOut(BaseModel):
    """The receiver's next deadline on an open referral, while one runs (``null`` otherwise)."""

    next_deadline: date | None = Field(
        description="Prochaine échéance : accusé de réception, rendez-vous à fixer, résultat du RDV, décision"
    )
    next_deadline_kind: DeadlineKind | None = Field(description="Ce que la prochaine échéance attend")
    next_deadline_label: str | None = Field(description="Ce qu'elle attend, en clair (français)")
    working_days_left: int | None = Field(
        description="Jours ouvrés restants (négatif : en retard), au calendrier de la structure destinataire"
    )

    @staticmethod
    def deadline_fields(deadline: DeadlineAhead | None) -> dict[str, Any]:
        if deadline is None:
            return {
                "next_deadline": None,
                "next_deadline_kind": None,
                "next_deadline_label": None,
                "working_days_left": None,
            }
        return {
            "next_deadline": deadline.due,
            "next_deadline_kind": deadline.kind,
            "next_deadline_label": DEADLINE_LABELS_FR[deadline.kind],
            "working_days_left": deadline.working_days_left,
        }


class ReferralOut(NextDeadlineOut):
    id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: ReferralStatus
    status_label: str
    submitted_at: datetime
    acknowledgement_due: date
    motive: str
    appointment_at: datetime | None = None
    appointment_outcome: AppointmentOutcome | None = Field(
        default=None, description="Le résultat saisi pour ce rendez-vous (vu, absent, excusé), s'il l'est"
    )
    no_shows: int = 0
    refusal_reason: RefusalReason | None = None
    refusal_reason_label: str | None = None
    refusal_comment: str | None = None
    refusal_shared_with_jobseeker: bool = False
    outcome: str | None = None
    training_session_id: uuid.UUID | None = None
    warnings: list[str] = []
    alternatives: list[OrganisationOut] = Field(default=[], description="Structures de même type ouvertes")

    @classmethod
    def of(cls, referral: Referral, deadline: DeadlineAhead | None) -> ReferralOut:
        return cls(
            **cls.deadline_fields(deadline),
            id=referral.id,
            jobseeker_id=referral.jobseeker_id,
            sender_org_id=referral.sender_org_id,
            receiver_org_id=referral.receiver_org_id,
            status=referral.status,
            status_label=STATUS_LABELS_FR[referral.status],
            submitted_at=referral.submitted_at,
            acknowledgement_due=referral.acknowledgement_due,
            motive=referral.motive,
            appointment_at=referral.appointment_at,
            appointment_outcome=referral.appointment_outcome,
            no_shows=referral.no_shows,
            refusal_reason=referral.refusal_reason,
            refusal_reason_label=REFUSAL_LABELS_FR[referral.refusal_reason]
            if referral.refusal_reason
            else None,
            refusal_comment=referral.refusal_comment,
            refusal_shared_with_jobseeker=referral.refusal_shared,
            outcome=referral.outcome,
            training_session_id=referral.training_session_id,
        )


class AppointmentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"appointment_at": "2026-12-03T10:00:00+01:00"}]}
    )
    appointment_at: Annotated[AwareDatetime, AfterValidator(_plausible_appointment)] = Field(
        description="Date et heure avec fuseau (ex. +01:00), dans les deux ans à venir"
    )


class AppointmentOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "no_show"}]})
    outcome: AppointmentOutcome = Field(description="seen = honoré, no_show = absent, excused = excusé")


class RefusalIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "better_suited_elsewhere",
                    "comment": "Relève plutôt de Cap emploi",
                    "shared_with_jobseeker": True,
                }
            ]
        },
    )
    reason: RefusalReason
    comment: Comment | None = Field(
        default=None, validate_default=True, description="Obligatoire si le motif est 'other'"
    )
    shared_with_jobseeker: bool = Field(
        default=False, description="Le motif peut être communiqué à la personne"
    )

    @field_validator("comment")
    @classmethod
    def _comment_explains_other(cls, comment: str | None, info: ValidationInfo) -> str | None:
        # The domain refuses it too; said here, the answer names the field (``errors``).
        if info.data.get("reason") is RefusalReason.OTHER and not comment:
            raise ValueError("commentaire obligatoire quand le motif est 'other' / comment required")
        return comment


class ClosingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "cdd"}]})
    outcome: Situation = Field(
        description="Situation de la personne à la fin de l'accompagnement, dans le vocabulaire des "
        "sorties du pacte (les quatre catégories DARES d'avant restent acceptées)"
    )


class ExitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "civic_service"}]})
    outcome: Situation = Field(
        description="Situation de la personne à sa sortie, dans le vocabulaire du pacte (les quatre "
        "catégories DARES restent acceptées pour les clients antérieurs)"
    )


class ExitFollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"situation": "cdi"}]})
    situation: Situation = Field(description="Situation de la personne à cet horizon après sa sortie")


class ExitFollowUpOut(BaseModel):
    horizon_months: int
    situation: str


class ExitFollowUpDueOut(BaseModel):
    horizon_months: int
    due_on: date = Field(
        description="Jour où l'échéance est atteinte : le suivi s'enregistre à partir de ce jour"
    )


class LifeEventIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "hired", "contract_type": "CDI", "weekly_hours": 35}]},
    )
    kind: Literal["hired", "moved_out", "training_abandoned"]
    contract_type: Literal["CDI", "CDD", "interim", "alternance", "contrat_aide", "creation"] | None = None
    weekly_hours: float | None = Field(default=None, ge=0, le=48)


class AssignReferentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"org_id": "0b8e4d1c-0000-4000-8000-0000000000c3"}]}
    )
    org_id: uuid.UUID


class WorkItemOut(NextDeadlineOut):
    referral_id: uuid.UUID
    direction: Literal["incoming", "outgoing"]
    partner_org_id: uuid.UUID
    jobseeker_id: uuid.UUID
    status: ReferralStatus
    status_label: str
    submitted_at: datetime
    appointment_at: datetime | None = None
    jobseeker_display_name: str | None = Field(
        default=None, description="Prénom et nom, si votre organisation peut consulter la personne"
    )


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: TaskKind
    label: str = ""
    org_id: uuid.UUID
    jobseeker_id: uuid.UUID
    referral_id: uuid.UUID | None
    due: date | None
    status: str
    note: str | None
    working_days_left: int | None = None
    jobseeker_display_name: str | None = Field(
        default=None, description="Prénom et nom, si votre organisation peut consulter la personne"
    )
    referral_sender_org_id: uuid.UUID | None = Field(
        default=None, description="L'orientation de la tâche : qui l'a envoyée (la coordination relance)"
    )
    referral_receiver_org_id: uuid.UUID | None = Field(
        default=None, description="L'orientation de la tâche : à qui elle est adressée"
    )
    referral_submitted_at: datetime | None = Field(
        default=None, description="L'orientation de la tâche : envoyée le"
    )


class JourneyEntryOut(BaseModel):
    at: datetime
    kind: str
    org_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    detail: str | None


class JourneyProfileOut(BaseModel):
    """What decides which structure should follow a person (the coordination designates a référent with
    it), as categories only: the facts that already leave this service in ``jobseeker.attributes_changed``
    (never a name, a birth date, an address or which disability)."""

    age_band: Literal["under_26", "26_49", "50_plus"] | None = None
    education_level: str | None = Field(default=None, description="Niveau de qualification (3 = CAP/BEP…)")
    qpv_resident: bool | None = None
    long_term_unemployed: bool | None = None
    minimum_income: bool | None = Field(default=None, description="RSA, ASS ou AAH")
    disability: bool | None = Field(default=None, description="Handicap reconnu (RQTH, AAH) : oui ou non")

    @classmethod
    def of(cls, axes: EqualityAxes) -> JourneyProfileOut:
        return cls.model_validate(
            {field: getattr(axes, field) for field in cls.model_fields}  # sex and nationality: not needed
        )


class JourneyOut(BaseModel):
    jobseeker_id: uuid.UUID
    profile: JourneyProfileOut | None = Field(
        default=None, description="La situation de la personne en catégories, pour choisir qui l'accompagne"
    )
    referent_org_id: uuid.UUID | None
    follow_up_org_ids: list[uuid.UUID]
    open_referral_ids: list[uuid.UUID]
    in_pact: bool
    exit_outcome: str | None
    exited_at: datetime | None = Field(default=None, description="Dernière sortie du pacte")
    exit_follow_ups: list[ExitFollowUpOut] = Field(
        default=[], description="Situations enregistrées depuis la sortie, à 3, 6 et 12 mois"
    )
    exit_follow_ups_due: list[ExitFollowUpDueOut] = Field(
        default=[], description="Après une sortie : le jour de chaque échéance de suivi (3, 6, 12 mois)"
    )
    open_tasks: list[TaskOut]
    history: list[JourneyEntryOut]

    @classmethod
    def of(
        cls, journey: Journey, history: list[JourneyEntryOut], axes: EqualityAxes | None = None
    ) -> JourneyOut:
        return cls(
            jobseeker_id=journey.jobseeker_id,
            profile=None if axes is None else JourneyProfileOut.of(axes),
            referent_org_id=journey.referent_org_id,
            follow_up_org_ids=sorted(journey.follow_up),
            open_referral_ids=list(journey.open_referrals),
            in_pact=journey.in_pact,
            exit_outcome=journey.exit_outcome,
            exited_at=None if journey.in_pact else journey.exited_at,
            exit_follow_ups=[
                ExitFollowUpOut(horizon_months=months, situation=situation)
                for months, situation in sorted(journey.exit_follow_ups.items())
            ],
            exit_follow_ups_due=[]
            if journey.in_pact or journey.exited_at is None
            else [
                ExitFollowUpDueOut(horizon_months=months, due_on=journey.follow_up_due(months))
                for months in FOLLOW_UP_MONTHS
            ],
            open_tasks=[
                TaskOut(
                    id=t.id,
                    kind=t.kind,
                    label=TASK_LABELS_FR[t.kind],
                    org_id=t.org_id,
                    jobseeker_id=t.jobseeker_id,
                    referral_id=t.referral_id,
                    due=t.due,
                    status=t.status.value,
                    note=t.note,
                )
                for t in journey.tasks
                if t.is_open
            ],
            history=history,
        )


class PolicyIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reminder_days": 3,
                    "acknowledgement_days": 5,
                    "manager_escalation_days": 5,
                    "coordination_escalation_days": 10,
                    "expiry_days": 30,
                    "reorient_days": 10,
                    "appointment_outcome_days": 1,
                    "max_no_shows": 2,
                    "unaccompanied_days": 5,
                }
            ]
        },
    )
    reminder_days: int = Field(ge=1, le=60)
    acknowledgement_days: int = Field(ge=1, le=60)
    manager_escalation_days: int = Field(ge=1, le=60)
    coordination_escalation_days: int = Field(ge=1, le=90)
    expiry_days: int = Field(ge=1, le=180)
    reorient_days: int = Field(ge=1, le=60)
    appointment_outcome_days: int = Field(ge=1, le=10)
    decision_days: int = Field(default=10, ge=1, le=60, description="Décision attendue après un rendez-vous")
    max_no_shows: int = Field(ge=1, le=5)
    unaccompanied_days: int = Field(ge=1, le=60)


class PolicyOut(PolicyIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    org_kind: str
    version: int


class InboxEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    referral_id: uuid.UUID
    sender_org_id: uuid.UUID
    jobseeker_id: uuid.UUID
    status: str
    status_label: str = ""
    submitted_at: datetime
    acknowledgement_due: date
    working_days_left: int | None = Field(
        default=None,
        description="Jours ouvrés restants avant l'échéance d'accusé de réception, tant qu'il est attendu "
        "(négatif : en retard)",
    )
    jobseeker_display_name: str | None = Field(
        default=None, description="Prénom et nom, si votre organisation peut consulter la personne"
    )
