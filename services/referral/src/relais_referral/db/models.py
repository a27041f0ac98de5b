"""Typed ORM mappings of the referral service's own database."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
    String,
    Text,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from relais_referral.domain.jobseeker import normalised_name
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
    contact_email: Mapped[str | None] = mapped_column(String(200))
    manager_email: Mapped[str | None] = mapped_column(String(200))
    # How it hears of a referral it receives: "immediate" (one e-mail each) or "digest" (one a day).
    referral_mail: Mapped[str] = mapped_column(String(10), server_default="immediate")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SiteRow(Base):
    """A place where an organisation receives people (antenne, agence)."""

    __tablename__ = "organisation_sites"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100))
    departement: Mapped[str] = mapped_column(String(3))


class MemberRow(Base):
    """A person working for an organisation, with the roles the identity provider grants."""

    __tablename__ = "organisation_members"
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    sub: Mapped[str] = mapped_column(String(200), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(30)))


class PolicyRow(Base):
    """Versioned referral deadlines per receiving organisation kind ('*' = default)."""

    __tablename__ = "referral_policies"
    org_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminder_days: Mapped[int]
    acknowledgement_days: Mapped[int]
    manager_escalation_days: Mapped[int]
    coordination_escalation_days: Mapped[int]
    expiry_days: Mapped[int]
    reorient_days: Mapped[int]
    appointment_outcome_days: Mapped[int]
    decision_days: Mapped[int] = mapped_column(Integer, server_default="10")
    max_no_shows: Mapped[int]
    unaccompanied_days: Mapped[int]
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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
    sex: Mapped[str | None] = mapped_column(String(1))
    education_level: Mapped[str | None] = mapped_column(String(20))
    # french, eu or non_eu: a category for the equality monitoring, never the nationality nor origin.
    nationality_category: Mapped[str | None] = mapped_column(String(10))
    situation: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    referent_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    in_pact: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    exit_outcome: Mapped[str | None] = mapped_column(String(40))
    legal_basis: Mapped[str] = mapped_column(String(40), server_default="public_interest_mission")
    information_given_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    commune: Mapped[str | None] = mapped_column(String(100))
    # The name as the search and the duplicate check compare it (domain.jobseeker.normalised_name),
    # kept in step with the name by the listener below, whichever code writes the row.
    name_key: Mapped[str] = mapped_column(String(210), server_default="")
    # Set by the erasure (GDPR art. 17, service_layer/privacy.py): identity and free texts are gone, the
    # row stays for the opaque id and the categorical facts the statistics need.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_jobseekers_name_key_birth_date", "name_key", "birth_date"),
        Index(
            "ix_jobseekers_name_key_trgm",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ),
    )


@event.listens_for(JobseekerRow, "before_insert")
@event.listens_for(JobseekerRow, "before_update")
def _name_key(mapper: Any, connection: Any, row: JobseekerRow) -> None:
    row.name_key = normalised_name(row.first_name or "", row.last_name or "")


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
    policy_version: Mapped[int] = mapped_column(Integer, server_default="1")
    appointment_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appointment_outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    no_shows: Mapped[int] = mapped_column(Integer, server_default="0")
    refusal_reason: Mapped[str | None] = mapped_column(String(40))
    refusal_comment: Mapped[str | None] = mapped_column(Text)
    refusal_shared: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    training_session_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_referrals_sender_status", "sender_org_id", "status"),
        Index("ix_referrals_receiver_status", "receiver_org_id", "status"),
    )


class ArrivalMailRow(Base):
    """A referral its receiving organisation was told of by e-mail (alone, or in a daily digest)."""

    __tablename__ = "referral_arrival_mails"
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), primary_key=True)
    receiver_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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


class TaskRow(Base):
    """Work of an organisation: re-orient, designate a référent, answer a referral, follow up an exit."""

    __tablename__ = "tasks"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobseekers.id"), index=True)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_tasks_open_by_org", "org_id", "due", postgresql_where=text("status = 'open'")),
    )


class JourneyMemberRow(Base):
    """Former référents stay in the person's follow-up group (groupe de suivi)."""

    __tablename__ = "journey_members"
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobseekers.id"), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class JourneySignalRow(Base):
    """The journey timers the Kafka→Temporal bridge last sent to a person's JourneyWorkflow.

    Most referral events leave a person's journey timers as they were; the bridge then skips the
    signal (a workflow task on Temporal, the platform's scarcest resource) instead of sending again.
    """

    __tablename__ = "journey_signals"
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("jobseekers.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(String(64))
    signalled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class JourneyEntryRow(Base):
    """The person's history in the pact, in order."""

    __tablename__ = "journey_entries"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobseekers.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(40))
    org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    detail: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_journey_entries_person", "jobseeker_id", "id"),)


# --- The insertion offer (data·inclusion services) and the people's needs ---------------------------


class OfferServiceRow(Base):
    """A service an organisation offers, as a data·inclusion ``Service`` document.

    ``document`` is what the national schema validated and what the export publishes, unchanged; the
    columns beside it are what the search and the suggestions filter and rank on, derived at write.
    """

    __tablename__ = "offer_services"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    thematiques: Mapped[list[str]] = mapped_column(ARRAY(String(120)))
    publics: Mapped[list[str]] = mapped_column(ARRAY(String(60)), server_default=text("'{}'"))
    zone: Mapped[list[str]] = mapped_column(ARRAY(String(10)), server_default=text("'{}'"))
    code_insee: Mapped[str | None] = mapped_column(String(5))
    epci: Mapped[str | None] = mapped_column(String(9))
    departement: Mapped[str | None] = mapped_column(String(3))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    capacity_status: Mapped[str] = mapped_column(String(20), server_default="open")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_offer_services_thematiques", "thematiques", postgresql_using="gin"),
        Index("ix_offer_services_place", "departement", "epci", "code_insee"),
    )


class NeedRow(Base):
    """A need (frein) of a person, as a data·inclusion thematic: identified, then lifted; never deleted,
    so the rows of a person are the history of their needs."""

    __tablename__ = "jobseeker_needs"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobseekers.id"))
    thematique: Mapped[str] = mapped_column(String(120))
    identified_on: Mapped[date] = mapped_column(Date)
    identified_by_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lifted_by_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_jobseeker_needs_person", "jobseeker_id", "identified_on"),
        # One open need per thematic and person: identifying it again while open is a conflict.
        Index(
            "uq_jobseeker_needs_open",
            "jobseeker_id",
            "thematique",
            unique=True,
            postgresql_where=text("lifted_on IS NULL"),
        ),
    )


# --- A caseload: corrections of a person's details, notes on a referral ------------------------------


class JobseekerCorrectionRow(Base):
    """A correction of a person's details (GDPR art. 16): which fields, when, by whom, and the values
    they replaced (personal data: kept here, in the referral service's database, and nowhere else)."""

    __tablename__ = "jobseeker_corrections"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    jobseeker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobseekers.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    by_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    by_sub: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    previous: Mapped[dict[str, Any]] = mapped_column(JSONB)

    __table_args__ = (Index("ix_jobseeker_corrections_person", "jobseeker_id", "id"),)


class ReferralNoteRow(Base):
    """A note the sender and the receiver of a referral exchange (free text: never leaves the service)."""

    __tablename__ = "referral_notes"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    author_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    author_sub: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_referral_notes_referral", "referral_id", "at"),)
