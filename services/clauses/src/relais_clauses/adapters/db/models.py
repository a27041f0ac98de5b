"""The clauses service's database: buyers' operations, contracts and their clause obligations,
participants (an opaque jobseeker id and categorical attributes, never identity data), eligibility
decisions, work contracts and the hours declared for them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from relais_shared.db import NAMING_CONVENTION, infrastructure_tables

Hours = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


infra = infrastructure_tables(Base.metadata)


class CountingRulesRow(Base):
    """A buyer's counting rules, versioned: a contract keeps the version it was signed under."""

    __tablename__ = "counting_rules"
    buyer_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_ratio: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    flat_hours: Mapped[dict[str, Any]] = mapped_column(JSONB)
    cap_per_participant: Mapped[Decimal | None] = mapped_column(Hours)
    cap_per_mode: Mapped[dict[str, Any]] = mapped_column(JSONB)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OperationRow(Base):
    """A buyer's operation (a construction programme, a service): the unit hours are counted on."""

    __tablename__ = "operations"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    buyer_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    name: Mapped[str] = mapped_column(String(200))
    pooling_group: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)


class ContractRow(Base):
    """A contract or lot carrying an insertion clause, with its obligation."""

    __tablename__ = "contracts"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    lot: Mapped[str | None] = mapped_column(String(100))
    legal_basis: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    contractor_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    contractor_siret: Mapped[str] = mapped_column(String(14))
    facilitator_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # co-contractors, subcontractors
    rules_version: Mapped[int | None] = mapped_column(Integer)
    hours_required: Mapped[Decimal] = mapped_column(Hours)
    hours_mandatory: Mapped[Decimal] = mapped_column(Hours)
    reporting_period: Mapped[str] = mapped_column(String(10))
    schedule: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    penalty_rule: Mapped[str] = mapped_column(String(30))
    penalty_hourly_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    penalty_cap_share: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ParticipantRow(Base):
    """A participant: the referral service's jobseeker id and what reports count, nothing that names them."""

    __tablename__ = "participants"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    age_band: Mapped[str | None] = mapped_column(String(10))
    qpv_resident: Mapped[bool | None] = mapped_column(Boolean)
    anonymised: Mapped[bool] = mapped_column(Boolean, server_default="false")


class EligibilityDecisionRow(Base):
    __tablename__ = "eligibility_decisions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    facilitator_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    decided_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    criteria: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    proofs: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # criterion, method, date, reference
    prescriber_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    revoked_on: Mapped[date | None] = mapped_column(Date)


class WorkContractRow(Base):
    """A participant's work on a clause contract (the mode says how: hire, provision, SIAE, training)."""

    __tablename__ = "work_contracts"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("eligibility_decisions.id"))
    mode: Mapped[str] = mapped_column(String(30))
    contract_type: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    employer_siret: Mapped[str] = mapped_column(String(14))
    weekly_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))


class HourDeclarationRow(Base):
    """Hours of a work contract for one period; a correction is a new version, the old one stays."""

    __tablename__ = "hour_declarations"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    work_contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_contracts.id"))
    period: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    hours: Mapped[Decimal] = mapped_column(Hours)
    reference: Mapped[str] = mapped_column(String(100))  # the payslip's or the invoice's reference
    declared_by_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("work_contract_id", "period", "version"),
        Index("ix_hour_declarations_contract_period", "work_contract_id", "period"),
    )


class ObligationStateRow(Base):
    """What the monitor found about a contract's obligation: at risk since when, reconciled or not."""

    __tablename__ = "obligation_states"
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"), primary_key=True)
    at_risk_since: Mapped[date | None] = mapped_column(Date)
    last_checked_on: Mapped[date | None] = mapped_column(Date)
    reconciled_on: Mapped[date | None] = mapped_column(Date)
    realised: Mapped[Decimal | None] = mapped_column(Hours)
    missing: Mapped[Decimal | None] = mapped_column(Hours)
    proposed_penalty: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    observations_due: Mapped[date | None] = mapped_column(Date)
    penalty_status: Mapped[str | None] = mapped_column(String(30))
    final_penalty: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    observations_reference: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[date | None] = mapped_column(Date)


class DeclarationReminderRow(Base):
    """A reminder sent to the contractor for a period's missing declaration (once per period)."""

    __tablename__ = "declaration_reminders"
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_on: Mapped[date] = mapped_column(Date)
    work_contracts: Mapped[int] = mapped_column(Integer)
