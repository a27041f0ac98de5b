"""Request and response bodies of the referral API (with examples for the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from relais_referral.domain.referral import STATUS_LABELS_FR, Referral, ReferralStatus

OrganisationKind = Literal[
    "france_travail",
    "mission_locale",
    "plie",
    "cap_emploi",
    "maison_emploi",
    "departement",
    "siae",
    "geiq",
    "training_provider",
    "employer",
    "association",
    "buyer",
    "pact_coordination",
]
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
    name: str = Field(min_length=2, max_length=200)
    kind: OrganisationKind
    departement: str = Field(pattern=r"^(\d{2}|2[AB]|97\d)$", description="Code du département (ex. 44)")
    acknowledgement_working_days: int | None = Field(default=None, ge=1, le=30)


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kind: str
    departement: str
    capacity_status: str


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
                    "information_given": True,
                }
            ]
        },
    )
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    birth_date: date | None = None
    postcode: str = Field(pattern=r"^\d{5}$")
    qpv_resident: bool | None = None
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .]{6,20}$")
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
    referent_org_id: uuid.UUID
    legal_basis: str


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
    motive: str = Field(min_length=3, max_length=2000, description="Motif de l'orientation")


class ReferralOut(BaseModel):
    id: uuid.UUID
    jobseeker_id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: ReferralStatus
    status_label: str
    submitted_at: datetime
    acknowledgement_due: date
    motive: str

    @classmethod
    def of(cls, referral: Referral) -> ReferralOut:
        return cls(
            id=referral.id,
            jobseeker_id=referral.jobseeker_id,
            sender_org_id=referral.sender_org_id,
            receiver_org_id=referral.receiver_org_id,
            status=referral.status,
            status_label=STATUS_LABELS_FR[referral.status],
            submitted_at=referral.submitted_at,
            acknowledgement_due=referral.acknowledgement_due,
            motive=referral.motive,
        )


class InboxEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    referral_id: uuid.UUID
    sender_org_id: uuid.UUID
    jobseeker_id: uuid.UUID
    status: str
    status_label: str = ""
    submitted_at: datetime
    acknowledgement_due: date
    working_days_left: int | None = None
