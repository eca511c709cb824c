"""Queued outgoing email.

Revision ID: 0002_outbox
Revises: 0001_accounts
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_outbox"
down_revision: str | None = "0001_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_jobs",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "account_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False
        ),
        sa.Column(
            "invocation_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column(
            "status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False
        ),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column(
            "message_id", sqlmodel.sql.sqltypes.AutoString(length=998), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        ),
        sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column(
            "claim_token", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("smtp_response", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("send_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_send_jobs_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_send_jobs_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_send_jobs_invocation_id"), ["invocation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_send_jobs_next_attempt_at"),
            ["next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_send_jobs_status"), ["status"], unique=False
        )


def downgrade() -> None:
    op.drop_table("send_jobs")
