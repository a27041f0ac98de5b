"""Settings of the referral service."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from relais_shared.settings import RelaisSettings


class ReferralSettings(RelaisSettings):
    service_name: str = "referral"
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:35432/relais_referral",
        validation_alias=AliasChoices("RELAIS_REFERRAL_DATABASE_URL", "DATABASE_URL"),
    )
    task_queue: str = "referral"
    # Default deadlines in working days (DOMAIN.md rule 2); per-organisation values override them.
    acknowledgement_working_days: int = 5
    default_departement: str = "44"
