"""a person's nationality category (french, eu, non_eu), an equality axis of the evaluation

Revision ID: 0009_nationality_category
Revises: 0008_training_session
Create Date: 2026-12-05 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_nationality_category'
down_revision: str | None = '0008_training_session'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('jobseekers', sa.Column('nationality_category', sa.String(length=10), nullable=True))


def downgrade() -> None:
    op.drop_column('jobseekers', 'nationality_category')
