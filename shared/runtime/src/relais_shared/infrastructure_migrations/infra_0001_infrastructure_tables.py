"""Infrastructure tables every service carries: outbox, processed events, idempotency keys, audit log.

The ``infrastructure`` branch of every service's Alembic history (``relais_shared.migrations`` adds this
folder to each service's version locations); a service's first revision depends on it. Tables that
already exist are left alone: databases made before this branch existed created them in their own
first revision.

Revision ID: infra_0001
Revises:
Create Date: 2026-12-05 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "infra_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("infrastructure",)
depends_on: str | Sequence[str] | None = None


def _exists(table: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if not _exists("audit_log"):
        op.create_table(
            "audit_log",
            sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
            sa.Column("actor_sub", sa.String(length=200), nullable=False),
            sa.Column("actor_org_id", sa.UUID(), nullable=True),
            sa.Column("action", sa.String(length=20), nullable=False),
            sa.Column("resource_type", sa.String(length=50), nullable=False),
            sa.Column("resource_id", sa.String(length=100), nullable=True),
            sa.Column("outcome", sa.String(length=20), nullable=False),
            sa.Column("detail", sa.String(length=200), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        )
        op.create_index("ix_audit_resource", "audit_log", ["resource_type", "resource_id"], unique=False)
    if not _exists("idempotency_keys"):
        op.create_table(
            "idempotency_keys",
            sa.Column("org_id", sa.UUID(), nullable=False),
            sa.Column("key", sa.String(length=200), nullable=False),
            sa.Column("method", sa.String(length=10), nullable=False),
            sa.Column("path", sa.String(length=500), nullable=False),
            sa.Column("request_hash", sa.String(length=64), nullable=False),
            sa.Column("status_code", sa.Integer(), nullable=False),
            sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column(
                "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
            ),
            sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_idempotency_keys")),
        )
    if not _exists("outbox"):
        op.create_table(
            "outbox",
            sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
            sa.Column("event_id", sa.UUID(), nullable=False),
            sa.Column("topic", sa.String(length=200), nullable=False),
            sa.Column("key", sa.String(length=200), nullable=False),
            sa.Column("event_type", sa.String(length=200), nullable=False),
            sa.Column("payload", sa.LargeBinary(), nullable=False),
            sa.Column(
                "headers",
                postgresql.JSONB(astext_type=sa.Text()),
                server_default=sa.text("'{}'::jsonb"),
                nullable=False,
            ),
            sa.Column(
                "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
            ),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
            sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
        )
        op.create_index(
            "ix_outbox_unpublished",
            "outbox",
            ["id"],
            unique=False,
            postgresql_where=sa.text("published_at IS NULL"),
        )
    if not _exists("processed_events"):
        op.create_table(
            "processed_events",
            sa.Column("event_id", sa.UUID(), nullable=False),
            sa.Column("consumer", sa.String(length=200), nullable=False),
            sa.Column(
                "processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
            ),
            sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_processed_events")),
        )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_index(
        "ix_outbox_unpublished", table_name="outbox", postgresql_where=sa.text("published_at IS NULL")
    )
    op.drop_table("outbox")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_audit_resource", table_name="audit_log")
    op.drop_table("audit_log")
