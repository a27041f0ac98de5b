"""journey timers last signalled by the bridge

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'journey_signals',
        sa.Column('jobseeker_id', sa.UUID(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('signalled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['jobseeker_id'],
            ['jobseekers.id'],
            name=op.f('fk_journey_signals_jobseeker_id_jobseekers'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('jobseeker_id', name=op.f('pk_journey_signals')),
    )


def downgrade() -> None:
    op.drop_table('journey_signals')
