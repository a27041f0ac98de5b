"""a referral to a training provider carries the session it asks a seat in

Revision ID: 0008_training_session
Revises: 0006_privacy
Create Date: 2026-12-06 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_training_session'
down_revision: str | None = '0006_privacy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('referrals', sa.Column('training_session_id', sa.UUID(), nullable=True))


def downgrade() -> None:
    op.drop_column('referrals', 'training_session_id')
