"""answers acknowledge

A referral answered without a separate acknowledgement (taken in charge or refused straight away) counts
as acknowledged then; an appointment fixed first acknowledges it too, which only a rebuild from the events
can tell (the store keeps the appointment's date, not when it was fixed). Each referral cell counts the
referrals withdrawn or made obsolete unacknowledged by their due day: no acknowledgement was owed any
more, and the share acknowledged on time no longer counts them late. The cells are counted again.

Revision ID: e0006
Revises: e0005
Create Date: 2026-12-06 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e0006'
down_revision: str | None = 'e0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ATTRIBUTES = ['sender_org_id', 'receiver_org_id', 'departement', 'age_band', 'qpv_resident', 'sex',
              'nationality_category', 'education_level', 'long_term_unemployed', 'minimum_income', 'disability']
# The ingestion's writers' lock, taken first as they take it (no batch meanwhile, and no deadlock).
LOCK = "SELECT pg_advisory_xact_lock(hashtext('relais-evaluation-cells'))"
ANSWERED = ("UPDATE referrals SET acknowledged_at = LEAST(acknowledged_at, accepted_at, "
            "CASE WHEN return_status = 'refused' THEN returned_at END) "
            "WHERE accepted_at IS NOT NULL OR return_status = 'refused'")
# The referral cells counted again from the referrals (frozen here: the service's code may change).
REFILL_REFERRAL_CELLS = (
    "INSERT INTO referral_cells (day, " + ", ".join(ATTRIBUTES) + ", acknowledgement_due, submitted, "
    "acknowledged, acknowledged_on_time, appointment_scheduled, seen, accepted, refused, expired, withdrawn, "
    "obsolete, closed, escalated_to_coordination, decided, ended_before_due, days_to_acknowledge) "
    "SELECT (r.submitted_at AT TIME ZONE 'Europe/Paris')::date, r.sender_org_id, r.receiver_org_id, "
    "r.departement, r.age_band, r.qpv_resident, p.sex, p.nationality_category, p.education_level, "
    "p.long_term_unemployed, p.minimum_income, p.disability, r.acknowledgement_due, COUNT(*), "
    "COUNT(r.acknowledged_at), COUNT(*) FILTER (WHERE (r.acknowledged_at AT TIME ZONE 'Europe/Paris')::date "
    "<= r.acknowledgement_due), COUNT(r.appointment_scheduled_at), COUNT(r.seen_at), COUNT(r.accepted_at), "
    "COUNT(*) FILTER (WHERE r.return_status = 'refused'), COUNT(*) FILTER (WHERE r.return_status = 'expired'), "
    "COUNT(r.withdrawn_at), COUNT(r.obsolete_at), COUNT(r.closed_at), COUNT(r.escalated_to_coordination_at), "
    "COUNT(*) FILTER (WHERE r.accepted_at IS NOT NULL OR r.return_status IN ('refused', 'expired') "
    "OR r.withdrawn_at IS NOT NULL OR r.obsolete_at IS NOT NULL), "
    "COUNT(*) FILTER (WHERE r.acknowledged_at IS NULL AND (LEAST(r.withdrawn_at, r.obsolete_at) "
    "AT TIME ZONE 'Europe/Paris')::date <= r.acknowledgement_due), "
    "COALESCE(SUM(EXTRACT(EPOCH FROM r.acknowledged_at - r.submitted_at) / 86400.0), 0) "
    "FROM referrals r LEFT JOIN people p ON p.person_id = r.person_id WHERE r.submitted_at IS NOT NULL "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"
)


def upgrade() -> None:
    op.execute(LOCK)
    op.add_column('referral_cells',
                  sa.Column('ended_before_due', sa.BigInteger(), nullable=False, server_default='0'))
    op.alter_column('referral_cells', 'ended_before_due', server_default=None)
    op.execute(ANSWERED)
    op.execute('DELETE FROM referral_cells')
    op.execute(REFILL_REFERRAL_CELLS)


def downgrade() -> None:
    # The cells stay right without the column (the acknowledgements found by the upgrade stay too).
    op.execute(LOCK)
    op.drop_column('referral_cells', 'ended_before_due')
