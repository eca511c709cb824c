"""IMAP watch state per account and folder.

Revision ID: 0005_watch
Revises: 0004_events
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_watch"
down_revision: str | None = "0004_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sqlmodel.sql.sqltypes.AutoString(length=40)
_TEXT = sqlmodel.sql.sqltypes.AutoString()
_TIME = sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "account_watches",
        sa.Column("account_id", _ID, nullable=False),
        sa.Column(
            "holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("lease_expires_at", _TIME, nullable=True),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("idle", sa.Boolean(), nullable=False),
        sa.Column(
            "error_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True
        ),
        sa.Column("error_detail", _TEXT, nullable=True),
        sa.Column("error_since", _TIME, nullable=True),
        sa.Column("last_error", _TEXT, nullable=True),
        sa.Column("last_error_at", _TIME, nullable=True),
        sa.Column("last_sync_at", _TIME, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "watched_folders",
        sa.Column("account_id", _ID, nullable=False),
        sa.Column(
            "folder", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False
        ),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "folder"),
    )


def downgrade() -> None:
    op.drop_table("watched_folders")
    op.drop_table("account_watches")
