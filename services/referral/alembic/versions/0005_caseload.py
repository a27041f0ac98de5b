"""a caseload: people searched by a normalised name, corrections with their history, notes on referrals

Revision ID: 0005_caseload
Revises: 0007_offer_needs
Create Date: 2026-12-05 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from relais_referral.domain.jobseeker import normalised_name

revision: str = '0005_caseload'
down_revision: str | None = '0007_offer_needs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Trigram matching for the name search (any word, anywhere in the name); trusted since PostgreSQL 13.
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.add_column('jobseekers', sa.Column('commune', sa.String(length=100), nullable=True))
    op.add_column('jobseekers', sa.Column('name_key', sa.String(length=210), server_default='', nullable=False))
    _fill_name_keys()
    op.create_index('ix_jobseekers_name_key_birth_date', 'jobseekers', ['name_key', 'birth_date'])
    op.create_index(
        'ix_jobseekers_name_key_trgm',
        'jobseekers',
        ['name_key'],
        postgresql_using='gin',
        postgresql_ops={'name_key': 'gin_trgm_ops'},
    )
    op.create_table(
        'jobseeker_corrections',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('jobseeker_id', sa.UUID(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('by_org_id', sa.UUID(), nullable=False),
        sa.Column('by_sub', sa.String(length=200), nullable=False),
        sa.Column('fields', postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column('previous', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ['jobseeker_id'], ['jobseekers.id'], name=op.f('fk_jobseeker_corrections_jobseeker_id_jobseekers')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobseeker_corrections')),
    )
    op.create_index('ix_jobseeker_corrections_person', 'jobseeker_corrections', ['jobseeker_id', 'id'])
    op.create_table(
        'referral_notes',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('referral_id', sa.UUID(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('author_org_id', sa.UUID(), nullable=False),
        sa.Column('author_sub', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['referral_id'], ['referrals.id'], name=op.f('fk_referral_notes_referral_id_referrals')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_notes')),
    )
    op.create_index('ix_referral_notes_referral', 'referral_notes', ['referral_id', 'at'])


def _fill_name_keys() -> None:
    """The people registered before: their normalised name, computed by the same function as at write."""
    conn = op.get_bind()
    people = conn.execute(sa.text('SELECT id, first_name, last_name FROM jobseekers')).all()
    for person_id, first_name, last_name in people:
        conn.execute(
            sa.text('UPDATE jobseekers SET name_key = :key WHERE id = :id'),
            {'key': normalised_name(first_name, last_name), 'id': person_id},
        )


def downgrade() -> None:
    op.drop_index('ix_referral_notes_referral', table_name='referral_notes')
    op.drop_table('referral_notes')
    op.drop_index('ix_jobseeker_corrections_person', table_name='jobseeker_corrections')
    op.drop_table('jobseeker_corrections')
    op.drop_index('ix_jobseekers_name_key_trgm', table_name='jobseekers')
    op.drop_index('ix_jobseekers_name_key_birth_date', table_name='jobseekers')
    op.drop_column('jobseekers', 'name_key')
    op.drop_column('jobseekers', 'commune')
