"""enrolments by referral: the referral page reads where its enrolment stands

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 13:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_enrolments_referral_id"), "enrolments", ["referral_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_enrolments_referral_id"), table_name="enrolments")
