"""Settings of the referral service."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from relais_shared.settings import RelaisSettings


class ReferralSettings(RelaisSettings):
    service_name: ClassVar[str] = "referral"
    api_port: int = 8101
    # RELAIS_REFERRAL_DATABASE_URL; the local stack (`relais stack up`) sets it, with its password.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/relais_referral"
    task_queue: str = "referral"
    # Deadlines are versioned settings in the database (referral_policies, GET /v1/referral-policies).
    default_departement: str = "44"
    coordination_org_id: uuid.UUID = Field(
        default=uuid.UUID("5f0c0a7e-7c1b-5d2a-9a43-2d6f0e9b1c44"),
        description="The pact coordination organisation, owner of 'assign a référent' tasks",
    )
    territory_data: str | None = Field(
        default=None,
        description="Directory of @etalab/decoupage-administratif's data (communes, EPCI); "
        "default: deploy/tools/node_modules of the project, installed by `make install`",
    )
    portal_url: str = "http://127.0.0.1:8100"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "relais@pacte-emploi.example"
    smtp_start_tls: bool = False
    idempotency_retention_hours: int = Field(
        default=24,
        ge=1,
        description="How long a POST's Idempotency-Key and its stored answer (which holds the "
        "referral's motive) are kept for replays; the worker's hourly schedule deletes older ones",
    )
    retention_months: dict[str, int] = Field(
        default={"public_interest_mission": 24, "consent": 24, "legal_obligation": 36, "*": 24},
        description="Per legal basis (jobseekers.legal_basis; '*' for the others), months after a "
        "person's last activity (registration, a journey line such as the exit from the pact, a change "
        "to one of their referrals) after which the worker's daily schedule erases them; JSON",
    )
    retention_batch: int = Field(default=200, ge=1, description="Erasures per scheduled run at most")
    erasure_every_hours: int = Field(default=24, ge=1, description="Interval of the retention schedule")
