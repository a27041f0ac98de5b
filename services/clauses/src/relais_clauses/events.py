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
