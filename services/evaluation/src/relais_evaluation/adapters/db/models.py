"""The evaluation store: pseudonymised facts derived from events, exit definitions, evaluation campaigns.

A person is a row of ``people`` keyed by a random ``person_id``; the facts point to it, and only that
row holds the pseudonym (``subject_key``). Erasing a person's link is therefore one update: the
pseudonym goes, the facts stay and keep being counted (as one person), and nothing left in the store
can be tied to the jobseeker again. No jobseeker id is ever stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase

from relais_evaluation.domain.facts import AXES, PERSON_ATTRIBUTES
from relais_shared.db import NAMING_CONVENTION, infrastructure_tables

Hours = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata
infra = infrastructure_tables(metadata)


def _ts(name: str, **kwargs: Any) -> Column[Any]:
    return Column(name, DateTime(timezone=True), **kwargs)


people = Table(
    "people",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    # HMAC(pact key, jobseeker id); NULL once the person was erased (the facts stay, unlinked).
    Column("subject_key", String(64), unique=True),
    Column("merged_into", UUID(as_uuid=True)),
    *[c for a in PERSON_ATTRIBUTES for c in (Column(a, String(40)), _ts(f"{a}_at"))],
    # The person's first orientation, from their referrals (kept by the ingestion, see ``cells``).
    _ts("first_submitted_at", index=True),
    _ts("first_accepted_at"),
    _ts("first_seen_at"),
)
# Pseudonyms of erased people. An erasure is *applied* (the people row loses its pseudonym) at the end of
# the consumer's batch, or at the end of a rebuild, so that the person's earlier events read in the same
# pass, from other partitions, are still counted as theirs. Once applied, a late event about the
# pseudonym is counted as a new, unlinked person: it is never tied to the erased facts again.
erased_subjects = Table(
    "erased_subjects",
    metadata,
    Column("subject_key", String(64), primary_key=True),
    Column("applied", Boolean, nullable=False, server_default="false"),
    # When the erasure was read: it is applied once the grace period after it has passed.
    _ts("recorded_at", nullable=False, server_default=func.now()),
    Index("ix_erased_subjects_pending", "recorded_at", postgresql_where=text("NOT applied")),
)

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), index=True),
    Column("sender_org_id", UUID(as_uuid=True)),
    Column("receiver_org_id", UUID(as_uuid=True)),
    Column("departement", String(3)),
    _ts("submitted_at", index=True),
    Column("acknowledgement_due", Date),
    Column("age_band", String(20)),
    Column("qpv_resident", String(5)),
    _ts("acknowledged_at"),
    _ts("appointment_scheduled_at"),
    _ts("seen_at"),
    Column("no_shows", Integer),
    _ts("accepted_at"),
    _ts("returned_at", index=True),
    Column("return_status", String(20)),
    Column("reason_code", String(40)),
    _ts("withdrawn_at"),
    _ts("obsolete_at"),
    _ts("closed_at"),
    Column("closed_outcome", String(40)),
    _ts("escalated_to_coordination_at"),
)
unaccompanied_spells = Table(
    "unaccompanied_spells",
    metadata,
    Column("person_id", UUID(as_uuid=True), nullable=False),
    Column("since", Date, nullable=False),
    _ts("detected_at", nullable=False),
    PrimaryKeyConstraint("person_id", "since"),
)
support_events = Table(
    "support_events",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False),
    _ts("at", nullable=False),
)
Index("ix_support_events_person_at", support_events.c.person_id, support_events.c.at)
exits = Table(
    "exits",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False, index=True),
    _ts("exited_at", nullable=False, index=True),
    Column("situation", String(40), nullable=False),
    Column("referent_org_id", UUID(as_uuid=True)),
)
situations = Table(
    "situations",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False),
    _ts("at", nullable=False),
    Column("situation", String(40), nullable=False),
)
Index("ix_situations_person_at", situations.c.person_id, situations.c.at)
enrolments = Table(
    "enrolments",
    metadata,
    Column("enrolment_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), index=True),
    Column("provider_org_id", UUID(as_uuid=True)),
    _ts("confirmed_at", index=True),
    Column("starts_on", Date),
    _ts("completed_at"),
    Column("certified", Boolean),
    _ts("abandoned_at"),
    Column("abandon_reason", String(40)),
    _ts("cancelled_at"),
)
clause_contracts = Table(
    "clause_contracts",
    metadata,
    Column("contract_id", UUID(as_uuid=True), primary_key=True),
    Column("buyer_org_id", UUID(as_uuid=True)),
    Column("contractor_org_id", UUID(as_uuid=True)),
    Column("facilitator_org_id", UUID(as_uuid=True)),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("hours_required", Hours),
    Column("hours_mandatory", Hours),
)
clause_hours = Table(
    "clause_hours",
    metadata,
    Column("work_contract_id", UUID(as_uuid=True), nullable=False),
    Column("period", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("contract_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("hours", Hours, nullable=False),
    PrimaryKeyConstraint("work_contract_id", "period", "version"),
)
clause_hires = Table(
    "clause_hires",
    metadata,
    Column("work_contract_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("contract_type", String(40), nullable=False),
    _ts("hired_at", nullable=False),
    Column("employer_org_id", UUID(as_uuid=True)),
)


def _cells(
    name: str,
    keys: list[Column[Any]],
    measures: list[str],
    *extra: Column[Any],
    extra_keys: Sequence[str] = (),
) -> Table:
    """Counts of referrals per day × organisation pair × attributes (see ``cells``)."""
    attributes: list[Column[Any]] = [
        Column("sender_org_id", UUID(as_uuid=True)),
        Column("receiver_org_id", UUID(as_uuid=True)),
        Column("departement", String(3)),
        Column("age_band", String(20)),
        Column("qpv_resident", String(5)),
        *[Column(a, String(40)) for a in AXES if a not in ("age_band", "qpv_resident")],
    ]
    every: list[Column[Any]] = [*keys, *attributes]
    return Table(
        name,
        metadata,
        *every,
        *[Column(m, BigInteger, nullable=False) for m in measures],
        *extra,
        Index(
            f"uq_{name}_cell",
            *(c.name for c in every),
            *extra_keys,
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        # The cells emptied by a batch, deleted at its end (the first measure counts the referrals).
        Index(f"ix_{name}_empty", "day", postgresql_where=text(f"{measures[0]} = 0")),
    )


referral_cells = _cells(
    "referral_cells",
    [Column("day", Date, nullable=False)],
    [
        "submitted",
        "acknowledged",
        "acknowledged_on_time",
        "appointment_scheduled",
        "seen",
        "accepted",
        "refused",
        "expired",
        "withdrawn",
        "obsolete",
        "closed",
        "escalated_to_coordination",
    ],
    Column("days_to_acknowledge", Numeric, nullable=False),
    # Added by e0005 and e0006, hence after the others: the referrals' due day of acknowledgement (a key
    # of the cell), how many have a known outcome and how many ended unacknowledged by their due day.
    Column("acknowledgement_due", Date),
    Column("decided", BigInteger, nullable=False),
    Column("ended_before_due", BigInteger, nullable=False),
    extra_keys=["acknowledgement_due"],
)
return_cells = _cells(
    "return_cells",
    [Column("day", Date, nullable=False), Column("return_reason", String(40))],
    ["returned", "refused", "expired"],
)

# What a rebuild empties and fills again from Kafka (never the definitions or the campaigns).
FACT_TABLES: tuple[Table, ...] = (
    people,
    erased_subjects,
    referrals,
    unaccompanied_spells,
    support_events,
    exits,
    situations,
    enrolments,
    clause_contracts,
    clause_hours,
    clause_hires,
    referral_cells,
    return_cells,
)

exit_definitions = Table(
    "exit_definitions",
    metadata,
    Column("code", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("official", Boolean, nullable=False),
    Column("categories", JSONB, nullable=False),
    Column("category_labels", JSONB, nullable=False),
    Column("mapping", JSONB, nullable=False),
    Column("default_category", String(40), nullable=False),
    Column("positive", JSONB, nullable=False),
    _ts("adopted_at", nullable=False, server_default=func.now()),
    Column("adopted_by", Text),
    PrimaryKeyConstraint("code", "version"),
)

# Joint evaluation campaigns: the grid is kept with the campaign (its weights as exact fractions).
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("subject_kind", String(20), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("org_id", UUID(as_uuid=True), nullable=False, index=True),  # the organisation running it
    Column("grid", JSONB, nullable=False),
    Column("scale_min", Integer, nullable=False),
    Column("scale_max", Integer, nullable=False),
    Column("mid_term_due", Date),
    Column("final_due", Date, nullable=False),
    Column("status", String(20), nullable=False, server_default="open"),
    _ts("mid_term_reached_at"),
    _ts("final_reached_at"),
    Column("consensus", JSONB),
    Column("validated", Boolean),
    _ts("created_at", nullable=False, server_default=func.now()),
    _ts("closed_at"),
)
campaign_evaluators = Table(
    "campaign_evaluators",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("campaign_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("org_id", UUID(as_uuid=True), nullable=False),
    Column(
        "sub", String(200), nullable=False
    ),  # the agent's account, to know their assessment; never returned
    Column("perspective", String(20), nullable=False),
    _ts("invited_at", nullable=False, server_default=func.now()),
    UniqueConstraint("campaign_id", "sub"),
)
assessments = Table(
    "assessments",
    metadata,
    Column("evaluator_id", UUID(as_uuid=True), nullable=False),
    Column("milestone", String(10), nullable=False),
    Column("campaign_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("scores", JSONB, nullable=False),
    Column("strong_points", Text, nullable=False, server_default=""),
    Column("weaknesses", Text, nullable=False, server_default=""),
    Column("recommendations", Text, nullable=False, server_default=""),
    _ts("submitted_at", nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("evaluator_id", "milestone"),
)
campaign_reminders = Table(
    "campaign_reminders",
    metadata,
    Column("evaluator_id", UUID(as_uuid=True), nullable=False),
    Column("milestone", String(10), nullable=False),
    Column("campaign_id", UUID(as_uuid=True), nullable=False, index=True),
    _ts("reminded_at", nullable=False),
    PrimaryKeyConstraint("evaluator_id", "milestone"),
)
