"""The facts the evaluation store keeps, as the ingestion derives them from other services' events.

Every fact about a person carries its ``subject`` (the pseudonym, see ``pseudonym``), never the person's
id. Facts are merged whatever order they arrive in: events of one referral share a partition, but a
referral's and its person's journey events do not, and a rebuild from Kafka interleaves partitions
differently from the first reading. Each column of a merged row therefore has an order-free rule
(``MERGE_RULES``): the earliest time, the greatest count, or a value that every event repeats.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

# The equality axes DOMAIN.md allows (never origin: French constitutional ruling 2007-557 DC).
AXES: tuple[str, ...] = (
    "sex",
    "age_band",
    "qpv_resident",
    "nationality_category",
    "education_level",
    "long_term_unemployed",
    "minimum_income",
    "disability",
)
PERSON_ATTRIBUTES: tuple[str, ...] = (*AXES, "departement")

Rule = Literal["least", "greatest", "repeated"]


@dataclass(frozen=True)
class PersonObserved:
    """Categorical attributes of a person known at ``at`` (the latest observation of each attribute wins)."""

    subject: str
    at: datetime
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class ReferralObserved:
    referral_id: uuid.UUID
    subject: str | None
    values: Mapping[str, Any]


@dataclass(frozen=True)
class SpellDetected:
    """The person has had no référent and no open referral since ``since`` (jobseeker.unaccompanied.v1)."""

    subject: str
    since: date
    detected_at: datetime


@dataclass(frozen=True)
class SupportResumed:
    """Someone is responsible for the person again (a referral sent, a référent, an exit), or the person
    left the pact's records (erased): ends a spell without support."""

    event_id: uuid.UUID
    subject: str
    at: datetime


@dataclass(frozen=True)
class PersonExited:
    event_id: uuid.UUID
    subject: str
    at: datetime
    situation: str
    referent_org_id: uuid.UUID | None


@dataclass(frozen=True)
class SituationObserved:
    """A situation known after an exit (a hire, a certified training), read at +3, +6 and +12 months."""

    event_id: uuid.UUID
    subject: str
    at: datetime
    situation: str


@dataclass(frozen=True)
class EnrolmentObserved:
    enrolment_id: uuid.UUID
    subject: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class ContractObserved:
    contract_id: uuid.UUID
    values: Mapping[str, Any]


@dataclass(frozen=True)
class HoursDeclared:
    work_contract_id: uuid.UUID
    period: date
    version: int
    contract_id: uuid.UUID
    hours: Decimal


@dataclass(frozen=True)
class ParticipantHired:
    work_contract_id: uuid.UUID
    subject: str
    contract_type: str
    hired_at: datetime
    employer_org_id: uuid.UUID | None


@dataclass(frozen=True)
class PersonErased:
    """jobseeker.erased.v1: the link between the person and their facts goes; the facts stay, unlinked."""

    subject: str


@dataclass(frozen=True)
class PersonsMerged:
    """jobseeker.merged.v1: the duplicate's facts become the kept person's."""

    kept: str
    duplicate: str


Fact = (
    PersonObserved
    | ReferralObserved
    | SpellDetected
    | SupportResumed
    | PersonExited
    | SituationObserved
    | EnrolmentObserved
    | ContractObserved
    | HoursDeclared
    | ParticipantHired
    | PersonErased
    | PersonsMerged
)

REFERRAL_RULES: dict[str, Rule] = {
    "sender_org_id": "repeated",
    "receiver_org_id": "repeated",
    "departement": "repeated",
    "submitted_at": "least",
    "acknowledgement_due": "repeated",
    "age_band": "repeated",
    "qpv_resident": "repeated",
    "acknowledged_at": "least",
    "appointment_scheduled_at": "least",
    "seen_at": "least",
    "no_shows": "greatest",
    "accepted_at": "least",
    "returned_at": "least",
    "return_status": "repeated",
    "reason_code": "repeated",
    "withdrawn_at": "least",
    "obsolete_at": "least",
    "closed_at": "least",
    "closed_outcome": "repeated",
    "escalated_to_coordination_at": "least",
}
ENROLMENT_RULES: dict[str, Rule] = {
    "provider_org_id": "repeated",
    "confirmed_at": "least",
    "starts_on": "repeated",
    "completed_at": "least",
    "certified": "greatest",
    "abandoned_at": "least",
    "abandon_reason": "repeated",
    "cancelled_at": "least",
}
CONTRACT_RULES: dict[str, Rule] = {
    "buyer_org_id": "repeated",
    "contractor_org_id": "repeated",
    "facilitator_org_id": "repeated",
    "starts_on": "repeated",
    "ends_on": "repeated",
    "hours_required": "repeated",
    "hours_mandatory": "repeated",
}


def merge(rules: Mapping[str, Rule], old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Two partial rows of one referral (or enrolment, contract) as one, whatever their order."""
    merged = dict(old)
    for column, value in new.items():
        if value is None:
            continue
        current = merged.get(column)
        if current is None:
            merged[column] = value
        elif rules[column] == "least":
            merged[column] = min(current, value)
        elif rules[column] == "greatest":
            merged[column] = max(current, value)
    return merged


# What a hire's contract type says of the person's situation (DARES reads a CDD or temp work of six
# months or more as durable employment; a hire's event does not give the length, so both count as short).
HIRE_SITUATIONS = {
    "CDI": "cdi",
    "CDD": "cdd",
    "interim": "interim",
    "alternance": "alternance",
    "contrat_aide": "subsidised_contract",
    "mise_a_disposition": "staff_provision",
}


def hire_situation(contract_type: str | None) -> str:
    return HIRE_SITUATIONS.get(contract_type or "", "employment_other")
