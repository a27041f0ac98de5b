"""Settings of the evaluation service (``RELAIS_EVALUATION_<NAME>``, then ``RELAIS_<NAME>``)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field, model_validator

from relais_shared.settings import RelaisSettings


class EvaluationSettings(RelaisSettings):
    service_name: ClassVar[str] = "evaluation"
    api_port: int = 8104
    # RELAIS_EVALUATION_DATABASE_URL; the local stack (`relais stack up`) sets it, with its password.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/relais_evaluation"
    coordination_org_id: uuid.UUID = Field(
        default=uuid.UUID("5f0c0a7e-7c1b-5d2a-9a43-2d6f0e9b1c44"),
        description="The pact coordination organisation: it reads the figures of every organisation",
    )
    small_cell_threshold: int = Field(
        default=11,
        ge=1,
        le=1000,
        description="Cells counting fewer people are not published (secret statistique)",
    )
    orientation_days: int = Field(default=45, ge=1, le=365, description="« Orientés en moins de N jours »")
    accompaniment_days: int = Field(
        default=30, ge=1, le=365, description="« Accompagnés en moins de N jours »"
    )
    # Fewer, larger transactions: a batch costs about ten statements whatever its size.
    ingestion_batch_size: int = Field(default=2000, ge=1, le=10_000)
    erasure_grace_s: int = Field(
        default=3600,
        ge=0,
        le=7 * 86400,
        description="An erasure unlinks the person this long after it was read, so that the person's "
        "events still on their way on other partitions reach the same person as in a rebuild",
    )
    erasure_sweep_s: int = Field(
        default=300,
        ge=10,
        le=86400,
        description="The worker's schedule applies the erasures past their grace period this often, "
        "whether events come or not: a person is unlinked at most grace + this after the erasure was read",
    )
    ingestion_group: str = Field(
        default="evaluation-ingestion",
        description="Consumer group of the ingestion (another name reads every topic again from its start)",
    )
    task_queue: str = "evaluation"
    score_min: int = Field(
        default=1, description="Lowest score of a campaign grid (a campaign keeps its own)"
    )
    score_max: int = Field(default=5, description="Highest score of a campaign grid")
    reminder_days: int = Field(
        default=7,
        ge=0,
        le=60,
        description="Days before a campaign deadline when evaluators who have not "
        "submitted their assessment are reminded",
    )

    @model_validator(mode="after")
    def _scale(self) -> EvaluationSettings:
        if self.score_min >= self.score_max:
            raise ValueError("score_min must be below score_max")
        return self
