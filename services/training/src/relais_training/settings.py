"""Settings of the training service."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from relais_shared.settings import RelaisSettings


class TrainingSettings(RelaisSettings):
    service_name: str = "training"
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:15432/relais_training",
        validation_alias=AliasChoices("RELAIS_TRAINING_DATABASE_URL", "DATABASE_URL"),
    )
