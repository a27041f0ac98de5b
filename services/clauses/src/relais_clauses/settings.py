"""Settings of the clauses service."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from relais_shared.settings import RelaisSettings


class ClausesSettings(RelaisSettings):
    service_name: ClassVar[str] = "clauses"
    api_port: int = 8102
    # RELAIS_CLAUSES_DATABASE_URL; the local stack (`relais stack up`) sets it, with its password.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/relais_clauses"
    coordination_org_id: uuid.UUID = Field(
        default=uuid.UUID("5f0c0a7e-7c1b-5d2a-9a43-2d6f0e9b1c44"),
        description="The pact coordination organisation: its coordinators read every clause",
    )
    proof_months: int = Field(default=3, ge=1, le=24, description="How long a proof of eligibility holds")
    qpv_proof_months: int = Field(default=6, ge=1, le=24, description="The same for QPV residence")
    task_queue: str = "clauses"
    declaration_grace_days: int = Field(
        default=10, ge=0, le=60, description="Days after a period ends to declare its hours (then a reminder)"
    )
    observation_days: int = Field(
        default=15, ge=1, le=90, description="The contractor's delay to present observations on a penalty"
    )
    eligibility_months: int = Field(default=24, ge=1, le=60, description="How long a decision holds")
