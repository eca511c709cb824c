"""Bodies of the live mailbox and watch status routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.kit.schema import ApiInput, ApiModel


class WatchError(ApiModel):
    kind: str = Field(description="authentication, connection, tls or protocol")
    detail: str | None
    since: datetime | None


class FolderWatch(ApiModel):
    name: str
    uid_validity: int
    last_uid: int = Field(description="Events exist for every UID up to this one")


class AccountStatus(ApiModel):
    account_id: str
    enabled: bool
    state: Literal["disabled", "connecting", "ok", "error"]
    watching: bool = Field(description="A service process holds this account's watch")
    connected: bool
    idle: bool = Field(description="Waiting in IMAP IDLE for new mail")
    error: WatchError | None
    last_error: str | None
    last_error_at: datetime | None
    last_sync_at: datetime | None
    folders: list[FolderWatch]


class FolderOut(ApiModel):
    name: str
    delimiter: str | None
    flags: list[str]
    messages: int | None = None
    unseen: int | None = None


class FolderList(ApiModel):
    items: list[FolderOut]


class Attachment(ApiModel):
    filename: str | None
    content_type: str
    size: int


class MessageSummary(ApiModel):
    uid: int
    folder: str
    message_id: str | None
    from_: str | None = Field(alias="from")
    from_name: str | None
    to: list[str]
    subject: str | None
    date: str | None = Field(description="The Date header, ISO 8601 UTC")
    seen: bool
    size: int
    has_attachments: bool


class MessagePage(ApiModel):
    items: list[MessageSummary]
    next_cursor: str | None = None


class Header(ApiModel):
    name: str
    value: str


class MessageOut(ApiModel):
    uid: int
    folder: str
    message_id: str | None
    from_: str | None = Field(alias="from")
    from_name: str | None
    to: list[str]
    cc: list[str]
    reply_to: str | None
    subject: str | None
    date: str | None
    in_reply_to: str | None
    references: list[str]
    seen: bool
    flags: list[str]
    size: int
    text: str = Field(description="Untrusted content from the sender")
    text_truncated: bool
    html: str | None = Field(description="Untrusted content from the sender")
    html_truncated: bool
    attachments: list[Attachment]
    headers: list[Header]
    parse_error: str | None = None


class MessageSearch(ApiInput):
    """Criteria of a message search; every given criterion must match."""

    folder: str = Field("INBOX", min_length=1, max_length=400)
    from_: str | None = Field(None, alias="from", max_length=320)
    to: str | None = Field(None, max_length=320)
    subject: str | None = Field(None, max_length=500)
    text: str | None = Field(None, max_length=500, description="In headers or body")
    since: str | None = Field(
        None, description="ISO date or date-time; matched by day (IMAP SINCE)"
    )
    unseen: bool = False
    cursor: str | None = Field(None, description="`nextCursor` of the previous page")
    limit: int = Field(20, ge=1, le=100)
