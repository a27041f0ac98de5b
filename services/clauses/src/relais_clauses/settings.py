"""Settings of the clauses service."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from relais_shared.settings import RelaisSettings


class ClausesSettings(RelaisSettings):
    service_name: str = "clauses"
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:15432/relais_clauses",
        validation_alias=AliasChoices("RELAIS_CLAUSES_DATABASE_URL", "DATABASE_URL"),
    )
