"""Integration events published by the clauses service (contracts first: the service is built later).

``clauses.participant_hired.v1`` is consumed by the referral service: a hire under an insertion
clause is a life event of the person's journey.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from relais_shared.envelope import EventData, EventRegistry

TOPIC = "relais.clauses.events"
registry = EventRegistry()


@registry.register
class ParticipantHiredV1(EventData):
    """A participant was hired on a contract carrying an insertion clause (contrat de travail déclaré)."""

    event_type: ClassVar[str] = "clauses.participant_hired.v1"
    source: ClassVar[str] = "clauses"
    topic: ClassVar[str] = TOPIC
    work_contract_id: uuid.UUID
    jobseeker_id: uuid.UUID
    contract_type: Literal["CDI", "CDD", "interim", "alternance", "contrat_aide", "mise_a_disposition"]
    weekly_hours: float | None = Field(default=None, ge=0, le=48)
    hired_at: datetime
    employer_siret: str = Field(pattern=r"^\d{14}$")
    employer_org_id: uuid.UUID | None = Field(
        default=None, description="The contractor's organisation: the referral to it is taken in charge"
    )

    def subject(self) -> str:
        return str(self.work_contract_id)


@registry.register
class HoursDeclaredV1(EventData):
    """Hours declared for a participant's work contract and a period (a correction is a later version)."""

    event_type: ClassVar[str] = "clauses.hours_declared.v1"
    source: ClassVar[str] = "clauses"
    topic: ClassVar[str] = TOPIC
    contract_id: uuid.UUID
    work_contract_id: uuid.UUID
    period: date
    version: int = Field(ge=1)
    hours: float = Field(ge=0)

    def subject(self) -> str:
        return str(self.work_contract_id)


class _ContractEvent(EventData):
    source: ClassVar[str] = "clauses"
    topic: ClassVar[str] = TOPIC
    contract_id: uuid.UUID

    def subject(self) -> str:
        return str(self.contract_id)


@registry.register
class ContractRegisteredV1(_ContractEvent):
    """A contract with an insertion clause is registered: its obligation is monitored from now on."""

    event_type: ClassVar[str] = "clauses.contract_registered.v1"
    buyer_org_id: uuid.UUID
    contractor_org_id: uuid.UUID
    facilitator_org_id: uuid.UUID
    legal_basis: Literal["execution_condition", "award_criterion", "reserved"]
    starts_on: date
    ends_on: date
    hours_required: float = Field(ge=0)
    hours_mandatory: float = Field(ge=0)


@registry.register
class ObligationAtRiskV1(_ContractEvent):
    """At the pace so far, the contract will not reach its insertion hours."""

    event_type: ClassVar[str] = "clauses.obligation_at_risk.v1"
    at_risk_since: date
    required: float = Field(ge=0)
    realised: float = Field(ge=0)
    expected_to_date: float = Field(ge=0)


@registry.register
class DeclarationReminderV1(_ContractEvent):
    """A period's hours were not declared in time: the contractor is reminded."""

    event_type: ClassVar[str] = "clauses.declaration_reminder.v1"
    contractor_org_id: uuid.UUID
    period: date
    work_contracts: int = Field(ge=1)


@registry.register
class ObligationReconciledV1(_ContractEvent):
    """The end-of-contract reconciliation: fulfilled, or a shortfall and the penalty proposed."""

    event_type: ClassVar[str] = "clauses.obligation_reconciled.v1"
    required_mandatory: float = Field(ge=0)
    realised: float = Field(ge=0)
    missing: float = Field(ge=0)
    proposed_penalty: float = Field(ge=0)
    observations_due: date | None


@registry.register
class PenaltyDecidedV1(_ContractEvent):
    """After the contradictory procedure, the buyer's decision on the penalty."""

    event_type: ClassVar[str] = "clauses.penalty_decided.v1"
    status: Literal["final", "waived"]
    amount: float = Field(ge=0)
