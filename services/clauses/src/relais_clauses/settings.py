"""Settings of the clauses service."""

from __future__ import annotations

from typing import ClassVar

from relais_shared.settings import RelaisSettings


class ClausesSettings(RelaisSettings):
    service_name: ClassVar[str] = "clauses"
    api_port: int = 8102
    # RELAIS_CLAUSES_DATABASE_URL; the local stack (`relais stack up`) sets it, with its password.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/relais_clauses"
