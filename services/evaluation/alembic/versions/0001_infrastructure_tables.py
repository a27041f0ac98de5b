"""infrastructure tables (from the shared infrastructure branch)

The outbox, processed-events, idempotency and audit tables come from ``relais_shared``'s
``infrastructure`` branch, on which this first revision depends; the service's own tables follow.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 06:55:20.760022
"""

from collections.abc import Sequence

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "infra_0001"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
