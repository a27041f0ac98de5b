"""referral cells and first orientations

Pre-aggregated referral counts (per day, organisation pair and categorical attributes) for the funnel and
the returns to sender, and each person's first orientation, filled from the referrals already stored.

Revision ID: e0003
Revises: e0002
Create Date: 2026-12-05 22:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e0003'
down_revision: str | None = 'e0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ATTRIBUTES = ['sender_org_id', 'receiver_org_id', 'departement', 'age_band', 'qpv_resident', 'sex',
              'nationality_category', 'education_level', 'long_term_unemployed', 'minimum_income', 'disability']
REFERRAL_MEASURES = ['submitted', 'acknowledged', 'acknowledged_on_time', 'appointment_scheduled', 'seen',
                     'accepted', 'refused', 'expired', 'withdrawn', 'obsolete', 'closed',
                     'escalated_to_coordination']
# The cells of the referrals stored before this revision (frozen here: the service's code may change).
_SELECT_ATTRIBUTES = ("r.sender_org_id, r.receiver_org_id, r.departement, r.age_band, r.qpv_resident, p.sex, "
                      "p.nationality_category, p.education_level, p.long_term_unemployed, p.minimum_income, "
                      "p.disability")
FILL_REFERRAL_CELLS = (
    "INSERT INTO referral_cells (day, " + ", ".join(ATTRIBUTES + REFERRAL_MEASURES) + ", days_to_acknowledge) "
    "SELECT (r.submitted_at AT TIME ZONE 'Europe/Paris')::date, " + _SELECT_ATTRIBUTES + ", COUNT(*), "
    "COUNT(r.acknowledged_at), COUNT(*) FILTER (WHERE (r.acknowledged_at AT TIME ZONE 'Europe/Paris')::date "
    "<= r.acknowledgement_due), COUNT(r.appointment_scheduled_at), COUNT(r.seen_at), COUNT(r.accepted_at), "
    "COUNT(*) FILTER (WHERE r.return_status = 'refused'), COUNT(*) FILTER (WHERE r.return_status = 'expired'), "
    "COUNT(r.withdrawn_at), COUNT(r.obsolete_at), COUNT(r.closed_at), COUNT(r.escalated_to_coordination_at), "
    "COALESCE(SUM(EXTRACT(EPOCH FROM r.acknowledged_at - r.submitted_at) / 86400.0), 0) "
    "FROM referrals r LEFT JOIN people p ON p.person_id = r.person_id WHERE r.submitted_at IS NOT NULL "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12"
)
FILL_RETURN_CELLS = (
    "INSERT INTO return_cells (day, return_reason, " + ", ".join(ATTRIBUTES) + ", returned, refused, expired) "
    "SELECT (r.returned_at AT TIME ZONE 'Europe/Paris')::date, COALESCE(r.reason_code, r.return_status), "
    + _SELECT_ATTRIBUTES + ", COUNT(*), COUNT(*) FILTER (WHERE r.return_status = 'refused'), "
    "COUNT(*) FILTER (WHERE r.return_status = 'expired') "
    "FROM referrals r LEFT JOIN people p ON p.person_id = r.person_id "
    "WHERE r.returned_at IS NOT NULL AND r.return_status IN ('refused', 'expired') "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"
)
FILL_FIRST_ORIENTATIONS = (
    "UPDATE people x SET first_submitted_at = s.submitted, first_accepted_at = s.accepted, "
    "first_seen_at = s.seen FROM (SELECT r.person_id, min(r.submitted_at) AS submitted, "
    "min(r.accepted_at) AS accepted, min(r.seen_at) AS seen FROM referrals r "
    "WHERE r.person_id IS NOT NULL AND r.submitted_at IS NOT NULL GROUP BY r.person_id) s "
    "WHERE x.person_id = s.person_id"
)


def _attribute_columns() -> list[sa.Column]:
    return [
        sa.Column('sender_org_id', sa.UUID(), nullable=True),
        sa.Column('receiver_org_id', sa.UUID(), nullable=True),
        sa.Column('departement', sa.String(length=3), nullable=True),
        sa.Column('age_band', sa.String(length=20), nullable=True),
        sa.Column('qpv_resident', sa.String(length=5), nullable=True),
        *[sa.Column(a, sa.String(length=40), nullable=True) for a in ATTRIBUTES[5:]],
    ]


def upgrade() -> None:
    op.create_table('referral_cells',
    sa.Column('day', sa.Date(), nullable=False),
    *_attribute_columns(),
    *[sa.Column(m, sa.BigInteger(), nullable=False) for m in REFERRAL_MEASURES],
    sa.Column('days_to_acknowledge', sa.Numeric(), nullable=False),
    )
    op.create_index('uq_referral_cells_cell', 'referral_cells', ['day', *ATTRIBUTES], unique=True,
                    postgresql_nulls_not_distinct=True)
    op.create_index('ix_referral_cells_empty', 'referral_cells', ['day'], unique=False,
                    postgresql_where=sa.text('submitted = 0'))
    op.create_table('return_cells',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('return_reason', sa.String(length=40), nullable=True),
    *_attribute_columns(),
    *[sa.Column(m, sa.BigInteger(), nullable=False) for m in ('returned', 'refused', 'expired')],
    )
    op.create_index('uq_return_cells_cell', 'return_cells', ['day', 'return_reason', *ATTRIBUTES], unique=True,
                    postgresql_nulls_not_distinct=True)
    op.create_index('ix_return_cells_empty', 'return_cells', ['day'], unique=False,
                    postgresql_where=sa.text('returned = 0'))
    op.add_column('people', sa.Column('first_submitted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('people', sa.Column('first_accepted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('people', sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_people_first_submitted_at'), 'people', ['first_submitted_at'], unique=False)
    op.execute(FILL_REFERRAL_CELLS)
    op.execute(FILL_RETURN_CELLS)
    op.execute(FILL_FIRST_ORIENTATIONS)


def downgrade() -> None:
    op.drop_index(op.f('ix_people_first_submitted_at'), table_name='people')
    op.drop_column('people', 'first_seen_at')
    op.drop_column('people', 'first_accepted_at')
    op.drop_column('people', 'first_submitted_at')
    op.drop_index('ix_return_cells_empty', table_name='return_cells', postgresql_where=sa.text('returned = 0'))
    op.drop_index('uq_return_cells_cell', table_name='return_cells', postgresql_nulls_not_distinct=True)
    op.drop_table('return_cells')
    op.drop_index('ix_referral_cells_empty', table_name='referral_cells',
                  postgresql_where=sa.text('submitted = 0'))
    op.drop_index('uq_referral_cells_cell', table_name='referral_cells', postgresql_nulls_not_distinct=True)
    op.drop_table('referral_cells')
