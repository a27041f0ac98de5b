"""Shapes of the data-protection endpoints: a person's export (GDPR art. 15), erasure, audit lines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from relais_referral.db.privacy import PersonRecord


class _Rows(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IdentityOut(_Rows):
    id: uuid.UUID
    first_name: str
    last_name: str
    birth_date: date | None
    email: str | None
    phone: str | None
    postcode: str
    qpv_resident: bool | None
    sex: str | None
    education_level: str | None
    nationality_category: str | None
    situation: list[str]
    referent_org_id: uuid.UUID | None
    in_pact: bool
    exit_outcome: str | None
    legal_basis: str
    information_given_at: datetime | None
    created_at: datetime


class ExportReferralOut(_Rows):
    id: uuid.UUID
    sender_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    status: str
    submitted_at: datetime
    motive: str
    appointment_at: datetime | None
    appointment_outcome: str | None
    no_shows: int
    refusal_reason: str | None
    refusal_comment: str | None
    refusal_shared: bool
    outcome: str | None


class ExportJourneyEntryOut(_Rows):
    at: datetime
    kind: str
    org_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    detail: str | None


class ExportTaskOut(_Rows):
    id: uuid.UUID
    kind: str
    org_id: uuid.UUID
    referral_id: uuid.UUID | None
    due: date | None
    status: str
    note: str | None
    created_at: datetime


class ExportNeedOut(_Rows):
    id: uuid.UUID
    thematique: str
    identified_on: date
    identified_by_org_id: uuid.UUID
    lifted_on: date | None


class AuditLineOut(BaseModel):
    id: int
    at: datetime
    actor_sub: str
    actor_org_id: uuid.UUID | None
    action: str
    resource_type: str
    resource_id: str | None
    outcome: str
    detail: str | None


class ExportOut(BaseModel):
    """Everything the referral service holds on the person (droit d'accès, RGPD art. 15)."""

    generated_at: datetime
    identity: IdentityOut
    referrals: list[ExportReferralOut]
    journey: list[ExportJourneyEntryOut]
    tasks: list[ExportTaskOut]
    needs: list[ExportNeedOut]
    audit: list[AuditLineOut] = Field(description="Qui a consulté ou modifié ces données, et quand")

    @classmethod
    def of(cls, record: PersonRecord, now: datetime) -> ExportOut:
        rows: dict[str, Any] = {
            "referrals": [ExportReferralOut.model_validate(r) for r in record.referrals],
            "journey": [ExportJourneyEntryOut.model_validate(r) for r in record.journey],
            "tasks": [ExportTaskOut.model_validate(r) for r in record.tasks],
            "needs": [ExportNeedOut.model_validate(r) for r in record.needs],
            "audit": [AuditLineOut.model_validate(line) for line in record.audit],
        }
        return cls(generated_at=now, identity=IdentityOut.model_validate(record.person), **rows)


class ErasureOut(BaseModel):
    jobseeker_id: uuid.UUID
    erased_at: datetime


class AuditPageOut(BaseModel):
    items: list[AuditLineOut]
    limit: int
    offset: int
