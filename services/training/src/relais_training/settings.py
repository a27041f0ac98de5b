"""Settings of the training service."""

from __future__ import annotations

from typing import ClassVar

from relais_shared.settings import RelaisSettings


class TrainingSettings(RelaisSettings):
    service_name: ClassVar[str] = "training"
    api_port: int = 8103
    # RELAIS_TRAINING_DATABASE_URL; the local stack (`relais stack up`) sets it, with its password.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/relais_training"
    task_queue: str = "training"
