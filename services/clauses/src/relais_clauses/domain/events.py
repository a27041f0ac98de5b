"""What happened to a clause, in the domain's terms (past tense). ``adapters/events/mapping.py`` maps each to
its integration event: the domain class never goes on the wire."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ContractRegistered:
    """A contract with an insertion clause is registered: its obligation is monitored from now on."""

    contract_id: uuid.UUID
    buyer_org_id: uuid.UUID
    contractor_org_id: uuid.UUID
    facilitator_org_id: uuid.UUID
    legal_basis: str
    starts_on: date
    ends_on: date
    hours_required: Decimal
    hours_mandatory: Decimal


@dataclass(frozen=True)
class ParticipantHired:
    """A participant was hired on a clause contract (training is not a hire: see ``HIRE_TYPES``)."""

    work_contract_id: uuid.UUID
    participant_id: uuid.UUID
    contract_type: str
    weekly_hours: Decimal | None
    starts_on: date
    employer_siret: str
    employer_org_id: uuid.UUID


@dataclass(frozen=True)
class HoursDeclared:
    contract_id: uuid.UUID
    work_contract_id: uuid.UUID
    period: date
    version: int
    hours: Decimal


@dataclass(frozen=True)
class ObligationAtRisk:
    contract_id: uuid.UUID
    at_risk_since: date
    required: Decimal
    realised: Decimal
    expected_to_date: Decimal


@dataclass(frozen=True)
class DeclarationReminded:
    """A period's hours were not declared in time: the contractor is reminded."""

    contract_id: uuid.UUID
    contractor_org_id: uuid.UUID
    period: date
    work_contracts: int


@dataclass(frozen=True)
class ObligationReconciled:
    contract_id: uuid.UUID
    required_mandatory: Decimal
    realised: Decimal
    missing: Decimal
    proposed_penalty: Decimal
    observations_due: date | None


@dataclass(frozen=True)
class PenaltyDecided:
    contract_id: uuid.UUID
    status: str  # "final" or "waived"
    amount: Decimal


ClauseEvent = (
    ContractRegistered
    | ParticipantHired
    | HoursDeclared
    | ObligationAtRisk
    | DeclarationReminded
    | ObligationReconciled
    | PenaltyDecided
)
