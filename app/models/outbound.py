"""Outbound webhooks, their deliveries (one per event and webhook) and attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, json_field, updated_at_field


class OutboundWebhook(SQLModel, table=True):
    __tablename__ = "outbound_webhooks"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    url: str = Field(max_length=2048)
    events: list[str] = json_field(list)
    filters: dict[str, Any] = json_field()
    secret_enc: str
    # After a rotation the old secret keeps signing until this moment.
    previous_secret_enc: str | None = None
    previous_secret_expires_at: datetime | None = None
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=1000)
    disabled_at: datetime | None = None
    failing_since: datetime | None = None
    last_success_at: datetime | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Delivery(SQLModel, table=True):
    __tablename__ = "deliveries"

    id: str = Field(primary_key=True, max_length=40)
    event_id: str = Field(index=True, max_length=40)
    webhook_id: str = Field(index=True, max_length=40)
    event_type: str = Field(max_length=64)
    # pending → delivered | failed; a re-send puts it back to pending.
    status: str = Field(default="pending", index=True, max_length=16)
    attempts: int = 0  # attempts in the current cycle: the retry schedule index
    next_attempt_at: datetime = created_at_field()
    claimed_until: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=40)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    delivered_at: datetime | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempts"

    id: str = Field(primary_key=True, max_length=40)
    delivery_id: str = Field(index=True, max_length=40)
    number: int
    status_code: int | None = None
    duration_ms: int
    response_excerpt: str | None = Field(default=None, sa_type=Text)
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created_at_field()
