"""Events recorded for outbound webhooks and the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, json_field


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: str = Field(primary_key=True, max_length=40)
    type: str = Field(index=True, max_length=64)
    account_id: str | None = Field(default=None, index=True, max_length=40)
    data: dict[str, Any] = json_field()
    # The exact bytes (UTF-8) every delivery of this event sends, fixed once so
    # that retries and re-sends carry the same body.
    body: str = Field(sa_type=Text, nullable=False)
    created_at: datetime = created_at_field()
