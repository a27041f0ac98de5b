"""The training service's database: offers, sessions, enrolments (an opaque person id, never identity
data) and attendance."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from relais_shared.db import NAMING_CONVENTION, infrastructure_tables


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


infra = infrastructure_tables(Base.metadata)


class OfferRow(Base):
    """A training a provider offers (the catalogue): what it is, for whom, what it leads to."""

    __tablename__ = "offers"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    provider_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    publics: Mapped[list[str]] = mapped_column(ARRAY(String(60)), server_default=text("'{}'"))
    prerequisites: Mapped[str | None] = mapped_column(Text)
    certification: Mapped[str | None] = mapped_column(String(200))
    shortage_tags: Mapped[list[str]] = mapped_column(ARRAY(String(60)), server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SessionRow(Base):
    """A session of an offer: dates, place, capacity; ``confirmed`` counts seats taken (kept in the row,
    so that a seat is taken under the row's lock and searches read exact free seats)."""

    __tablename__ = "sessions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offers.id"), index=True)
    provider_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timetable: Mapped[str | None] = mapped_column(String(200))
    commune: Mapped[str] = mapped_column(String(100))
    code_insee: Mapped[str | None] = mapped_column(String(5))
    near_qpv: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    transport_note: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    accessible: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    childcare: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    state: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_sessions_search", "state", "starts_on"),)


class EnrolmentRow(Base):
    __tablename__ = "enrolments"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id"))
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # Indexed: the referral's page reads where the enrolment it asked for stands.
    referral_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    requested_by_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(20))  # confirmed, waitlisted, cancelled, completed, abandoned
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    position: Mapped[int] = mapped_column(
        Integer
    )  # order of the requests on the session: the waitlist's order
    outcome: Mapped[str | None] = mapped_column(String(30))
    reason_code: Mapped[str | None] = mapped_column(String(30))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_enrolments_session_status", "session_id", "status", "position"),
        # One live enrolment per person and session.
        Index(
            "uq_enrolments_live",
            "session_id",
            "jobseeker_id",
            unique=True,
            postgresql_where=text("status IN ('confirmed', 'waitlisted')"),
        ),
    )


class AttendanceRow(Base):
    __tablename__ = "attendance"
    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolments.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
