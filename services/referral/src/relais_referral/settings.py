"""Settings of the referral service."""

from __future__ import annotations

import uuid

from pydantic import AliasChoices, Field

from relais_shared.settings import RelaisSettings


class ReferralSettings(RelaisSettings):
    service_name: str = "referral"
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:15432/relais_referral",
        validation_alias=AliasChoices("RELAIS_REFERRAL_DATABASE_URL", "DATABASE_URL"),
    )
    task_queue: str = "referral"
    # Deadlines are versioned settings in the database (referral_policies, GET /v1/referral-policies).
    default_departement: str = "44"
    coordination_org_id: uuid.UUID = Field(
        default=uuid.UUID("5f0c0a7e-7c1b-5d2a-9a43-2d6f0e9b1c44"),
        description="The pact coordination organisation, owner of 'assign a référent' tasks",
    )
    portal_url: str = "http://127.0.0.1:8100"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "relais@pacte-emploi.example"
    smtp_start_tls: bool = False
