"""Recording events. Called inside the transaction of the change that caused it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.db import wake_after_commit
from app.kit.ids import new_id
from app.models import Event

EVENT_TYPES = (
    "email.received",
    "email.sent",
    "email.send_failed",
    "account.error",
    "webhook.test",
)


def record_event(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    account_id: str | None = None,
) -> Event:
    """Add an event (and, once subscriptions exist, its deliveries); flushes."""
    event = Event(id=new_id("evt"), type=event_type, account_id=account_id, data=data)
    session.add(event)
    session.flush()
    wake_after_commit(session, "dispatcher")
    return event
