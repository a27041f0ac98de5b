"""erasure grace

An erasure is recorded when its event is read and applied once its grace period has passed: the moment
it was recorded, and the pending ones found by it.

Revision ID: e0004
Revises: e0003
Create Date: 2026-12-06 01:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e0004'
down_revision: str | None = 'e0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'erased_subjects',
        sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    )
    op.create_index('ix_erased_subjects_pending', 'erased_subjects', ['recorded_at'], unique=False,
                    postgresql_where=sa.text('NOT applied'))


def downgrade() -> None:
    op.drop_index('ix_erased_subjects_pending', table_name='erased_subjects',
                  postgresql_where=sa.text('NOT applied'))
    op.drop_column('erased_subjects', 'recorded_at')
