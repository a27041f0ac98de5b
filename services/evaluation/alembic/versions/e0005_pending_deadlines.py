"""pending deadlines

The funnel's rates divide by the referrals whose outcome is known: each referral cell gets the
acknowledgement's due day as a key (a referral still within its deadline is not late yet) and the count
of its referrals decided (taken in charge, refused, expired, withdrawn or obsolete). The cells are
counted again from the referrals.

Revision ID: e0005
Revises: e0004
Create Date: 2026-12-06 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e0005'
down_revision: str | None = 'e0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ATTRIBUTES = ['sender_org_id', 'receiver_org_id', 'departement', 'age_band', 'qpv_resident', 'sex',
              'nationality_category', 'education_level', 'long_term_unemployed', 'minimum_income', 'disability']
# The referral cells counted again from the referrals (frozen here: the service's code may change).
REFILL_REFERRAL_CELLS = (
    "INSERT INTO referral_cells (day, " + ", ".join(ATTRIBUTES) + ", acknowledgement_due, submitted, "
    "acknowledged, acknowledged_on_time, appointment_scheduled, seen, accepted, refused, expired, withdrawn, "
    "obsolete, closed, escalated_to_coordination, decided, days_to_acknowledge) "
    "SELECT (r.submitted_at AT TIME ZONE 'Europe/Paris')::date, r.sender_org_id, r.receiver_org_id, "
    "r.departement, r.age_band, r.qpv_resident, p.sex, p.nationality_category, p.education_level, "
    "p.long_term_unemployed, p.minimum_income, p.disability, r.acknowledgement_due, COUNT(*), "
    "COUNT(r.acknowledged_at), COUNT(*) FILTER (WHERE (r.acknowledged_at AT TIME ZONE 'Europe/Paris')::date "
    "<= r.acknowledgement_due), COUNT(r.appointment_scheduled_at), COUNT(r.seen_at), COUNT(r.accepted_at), "
    "COUNT(*) FILTER (WHERE r.return_status = 'refused'), COUNT(*) FILTER (WHERE r.return_status = 'expired'), "
    "COUNT(r.withdrawn_at), COUNT(r.obsolete_at), COUNT(r.closed_at), COUNT(r.escalated_to_coordination_at), "
    "COUNT(*) FILTER (WHERE r.accepted_at IS NOT NULL OR r.return_status IN ('refused', 'expired') "
    "OR r.withdrawn_at IS NOT NULL OR r.obsolete_at IS NOT NULL), "
    "COALESCE(SUM(EXTRACT(EPOCH FROM r.acknowledged_at - r.submitted_at) / 86400.0), 0) "
    "FROM referrals r LEFT JOIN people p ON p.person_id = r.person_id WHERE r.submitted_at IS NOT NULL "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"
)


# The ingestion's writers' lock, taken first as they take it (no batch meanwhile, and no deadlock).
LOCK = "SELECT pg_advisory_xact_lock(hashtext('relais-evaluation-cells'))"


def upgrade() -> None:
    op.execute(LOCK)
    op.add_column('referral_cells', sa.Column('acknowledgement_due', sa.Date(), nullable=True))
    op.add_column('referral_cells', sa.Column('decided', sa.BigInteger(), nullable=False, server_default='0'))
    op.alter_column('referral_cells', 'decided', server_default=None)
    op.drop_index('uq_referral_cells_cell', table_name='referral_cells', postgresql_nulls_not_distinct=True)
    op.create_index('uq_referral_cells_cell', 'referral_cells', ['day', *ATTRIBUTES, 'acknowledgement_due'],
                    unique=True, postgresql_nulls_not_distinct=True)
    op.execute('DELETE FROM referral_cells')
    op.execute(REFILL_REFERRAL_CELLS)


MEASURES = ['submitted', 'acknowledged', 'acknowledged_on_time', 'appointment_scheduled', 'seen', 'accepted',
            'refused', 'expired', 'withdrawn', 'obsolete', 'closed', 'escalated_to_coordination',
            'days_to_acknowledge']


def downgrade() -> None:
    op.execute(LOCK)
    # The cells of one day and attributes, whatever their due days, become one again.
    columns = ", ".join(['day', *ATTRIBUTES])
    sums = ", ".join(f"SUM({m}) AS {m}" for m in MEASURES)
    op.execute(f"CREATE TEMPORARY TABLE merged_cells AS SELECT {columns}, {sums} FROM referral_cells "
               f"GROUP BY {columns}")
    op.execute('DELETE FROM referral_cells')
    op.drop_index('uq_referral_cells_cell', table_name='referral_cells', postgresql_nulls_not_distinct=True)
    op.drop_column('referral_cells', 'decided')
    op.drop_column('referral_cells', 'acknowledgement_due')
    op.create_index('uq_referral_cells_cell', 'referral_cells', ['day', *ATTRIBUTES], unique=True,
                    postgresql_nulls_not_distinct=True)
    every = ", ".join(['day', *ATTRIBUTES, *MEASURES])
    op.execute(f"INSERT INTO referral_cells ({every}) SELECT {every} FROM merged_cells")
    op.execute('DROP TABLE merged_cells')
