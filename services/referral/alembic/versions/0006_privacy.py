"""data-protection rights: erased people, and how each organisation hears of new referrals

``jobseekers.erased_at`` marks a person whose identity and free texts were erased (GDPR art. 17); the
row stays for its opaque id and categorical facts. ``organisations.referral_mail`` is how the receiving
organisation hears of a new referral: ``immediate`` (one e-mail each) or ``digest`` (one a day);
``referral_arrival_mails`` records which referrals it was told of.

Revision ID: 0006_privacy
Revises: 0005_caseload
Create Date: 2026-12-05 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_privacy'
down_revision: str | None = '0005_caseload'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('jobseekers', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        'organisations',
        sa.Column('referral_mail', sa.String(length=10), server_default='immediate', nullable=False),
    )
    op.create_table(
        'referral_arrival_mails',
        sa.Column('referral_id', sa.UUID(), nullable=False),
        sa.Column('receiver_org_id', sa.UUID(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['referral_id'], ['referrals.id'], name=op.f('fk_referral_arrival_mails_referral_id_referrals')
        ),
        sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_referral_arrival_mails')),
    )


def downgrade() -> None:
    op.drop_table('referral_arrival_mails')
    op.drop_column('organisations', 'referral_mail')
    op.drop_column('jobseekers', 'erased_at')
