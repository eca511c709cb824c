"""Queued outgoing email: one row per message to deliver over SMTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, json_field, updated_at_field


class SendJob(SQLModel, table=True):
    __tablename__ = "send_jobs"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(index=True, max_length=40)
    invocation_id: str | None = Field(default=None, index=True, max_length=40)
    # queued → sending → sent | failed (retrying jobs go back to queued)
    status: str = Field(default="queued", index=True, max_length=16)
    message: dict[str, Any] = json_field()
    message_id: str = Field(max_length=998)
    attempts: int = 0
    next_attempt_at: datetime = created_at_field()
    # The lease of the process sending it; an expired lease means that process
    # died mid-send and another may take the job.
    claimed_until: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=40)
    last_error: str | None = None
    smtp_response: str | None = None
    # Recipients refused while others accepted the email: address → reply.
    refused: dict[str, str] = json_field()
    note: str | None = None
    sent_at: datetime | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
