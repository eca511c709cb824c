"""Inbound webhooks and the record of each call made to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, json_field, updated_at_field


class InboundWebhook(SQLModel, table=True):
    __tablename__ = "inbound_webhooks"
    __table_args__ = (UniqueConstraint("path", name="uq_inbound_webhook_path"),)

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    # Optional alias served as /webhook/<path>, stored without leading slash.
    path: str | None = Field(default=None, max_length=200)
    secret_enc: str
    auth_mode: str = Field(default="secret", max_length=16)
    actions: list[dict[str, Any]] = json_field(list)
    enabled: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Invocation(SQLModel, table=True):
    __tablename__ = "inbound_invocations"
    # One answer per key and webhook, even when two requests race.
    __table_args__ = (
        UniqueConstraint("webhook_id", "idempotency_key", name="uq_invocation_key"),
    )

    id: str = Field(primary_key=True, max_length=40)
    webhook_id: str = Field(index=True, max_length=40)
    client_ip: str | None = Field(default=None, max_length=64)
    status_code: int
    # queued | sent | failed | rejected
    outcome: str = Field(max_length=16)
    job_ids: list[str] = json_field(list)
    error: str | None = None
    idempotency_key: str | None = Field(default=None, max_length=255)
    content_type: str | None = Field(default=None, max_length=255)
    body_bytes: int = 0
    # The answer given, replayed for a repeated Idempotency-Key.
    response: dict[str, Any] = json_field()
    created_at: datetime = created_at_field()
