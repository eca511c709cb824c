"""Events recorded for outbound webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, json_field


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: str = Field(primary_key=True, max_length=40)
    type: str = Field(index=True, max_length=64)
    account_id: str | None = Field(default=None, index=True, max_length=40)
    data: dict[str, Any] = json_field()
    created_at: datetime = created_at_field()
