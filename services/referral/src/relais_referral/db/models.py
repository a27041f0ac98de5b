"""Typed ORM mappings of the referral service's own database."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from relais_shared.db import NAMING_CONVENTION, infrastructure_tables


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


infra = infrastructure_tables(Base.metadata)


class OrganisationRow(Base):
    """An organisation of the pact (annuaire des acteurs)."""

    __tablename__ = "organisations"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    departement: Mapped[str] = mapped_column(String(3))
    capacity_status: Mapped[str] = mapped_column(String(20), server_default="open")
    acknowledgement_working_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class JobseekerRow(Base):
    """Identity and contact data: personal data, never copied out of this service."""

    __tablename__ = "jobseekers"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    postcode: Mapped[str] = mapped_column(String(5))
    qpv_resident: Mapped[bool | None]
    referent_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(String(40), server_default="public_interest_mission")
    information_given_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReferralRow(Base):
    __tablename__ = "referrals"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobseekers.id"), index=True)
    sender_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    receiver_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(30))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledgement_due: Mapped[date] = mapped_column(Date)
    motive: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_referrals_sender_status", "sender_org_id", "status"),
        Index("ix_referrals_receiver_status", "receiver_org_id", "status"),
    )


class InboxEntryRow(Base):
    """Read model of an organisation's incoming referrals, built by the inbox consumer from events."""

    __tablename__ = "inbox_entries"
    referral_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    receiver_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    sender_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(30))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledgement_due: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_inbox_receiver_due", "receiver_org_id", "acknowledgement_due"),)
