"""Accounts.

Revision ID: 0001_accounts
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001_accounts"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False
        ),
        sa.Column(
            "display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column(
            "imap_host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column(
            "imap_security", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False
        ),
        sa.Column(
            "imap_username",
            sqlmodel.sql.sqltypes.AutoString(length=320),
            nullable=False,
        ),
        sa.Column(
            "imap_password_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False
        ),
        sa.Column("imap_tls_verify", sa.Boolean(), nullable=False),
        sa.Column(
            "smtp_host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column(
            "smtp_security", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False
        ),
        sa.Column(
            "smtp_username",
            sqlmodel.sql.sqltypes.AutoString(length=320),
            nullable=False,
        ),
        sa.Column(
            "smtp_password_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False
        ),
        sa.Column("smtp_tls_verify", sa.Boolean(), nullable=False),
        sa.Column("folders", sa.JSON(), nullable=False),
        sa.Column(
            "sent_folder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounts_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("accounts")
