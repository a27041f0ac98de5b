"""Settings of the evaluation service."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from relais_shared.settings import RelaisSettings


class EvaluationSettings(RelaisSettings):
    service_name: str = "evaluation"
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:15432/relais_evaluation",
        validation_alias=AliasChoices("RELAIS_EVALUATION_DATABASE_URL", "DATABASE_URL"),
    )
