"""IMAP watch state: per-folder sync position, per-account status and lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from app.models.base import updated_at_field


class WatchedFolder(SQLModel, table=True):
    """How far one folder has been read: events exist for every UID up to last_uid."""

    __tablename__ = "watched_folders"

    account_id: str = Field(
        primary_key=True, max_length=40, foreign_key="accounts.id", ondelete="CASCADE"
    )
    folder: str = Field(primary_key=True, max_length=400)
    # UIDs and UIDVALIDITY are unsigned 32-bit (RFC 3501 2.3.1.1): BIGINT on PG.
    uidvalidity: int = Field(default=0, sa_type=BigInteger)
    last_uid: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = updated_at_field()


class AccountWatch(SQLModel, table=True):
    """One account's watch: who holds it (lease) and how it is going (status)."""

    __tablename__ = "account_watches"

    account_id: str = Field(
        primary_key=True, max_length=40, foreign_key="accounts.id", ondelete="CASCADE"
    )
    holder: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = None
    connected: bool = False
    idle: bool = False
    # The current error state; NULL when the watch works. An account.error
    # event is recorded each time it changes to a new kind, not on each retry.
    error_kind: str | None = Field(default=None, max_length=20)
    error_detail: str | None = None
    error_since: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_sync_at: datetime | None = None
    updated_at: datetime = updated_at_field()
