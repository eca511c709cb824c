"""Inbound webhooks and their invocations.

Revision ID: 0003_inbound
Revises: 0002_outbox
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_inbound"
down_revision: str | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_webhooks",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True
        ),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("secret_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column(
            "auth_mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False
        ),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path", name="uq_inbound_webhook_path"),
    )
    with op.batch_alter_table("inbound_webhooks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_webhooks_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "inbound_invocations",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "webhook_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False
        ),
        sa.Column(
            "client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False
        ),
        sa.Column("job_ids", sa.JSON(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column(
            "idempotency_key",
            sqlmodel.sql.sqltypes.AutoString(length=255),
            nullable=True,
        ),
        sa.Column(
            "content_type", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column("body_bytes", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("webhook_id", "idempotency_key", name="uq_invocation_key"),
    )
    with op.batch_alter_table("inbound_invocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_invocations_created_at"),
            ["created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_invocations_webhook_id"),
            ["webhook_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("inbound_invocations")
    op.drop_table("inbound_webhooks")
