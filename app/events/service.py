"""Recording events. Called inside the transaction of the change that caused it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col

from app.db import wake_after_commit
from app.errors import NotFound
from app.events.types import EVENT_TYPES
from app.kit import jsonbody
from app.kit.ids import isoformat_z, new_id, utcnow
from app.kit.pagination import paginate
from app.models import Event
from app.outbound.fanout import fan_out

__all__ = ["EVENT_TYPES", "get_event", "list_events", "record_event"]


def record_event(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    account_id: str | None = None,
    webhook_id: str | None = None,
) -> Event:
    """Add an event and a delivery for every enabled webhook that wants it.

    With `webhook_id`, the event goes to that webhook only, whatever it
    subscribes to (a test delivery). Flushes; the caller commits, so the event
    and its deliveries are saved together with the change that caused them.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    event_id = new_id("evt")
    created_at = utcnow()
    safe_data = jsonbody.to_json_safe(data)
    body = {
        "id": event_id,
        "event": event_type,
        "timestamp": isoformat_z(created_at),
        "data": safe_data,
    }
    event = Event(
        id=event_id,
        type=event_type,
        account_id=account_id,
        data=safe_data,
        body=jsonbody.dumps(body),
        created_at=created_at,
    )
    session.add(event)
    session.flush()
    if fan_out(session, event, only_webhook_id=webhook_id):
        wake_after_commit(session, "dispatcher")
    return event


def get_event(session: Session, event_id: str) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"no event with id '{event_id}'; GET /api/events lists them")
    return event


def list_events(
    session: Session,
    *,
    event_type: str | None,
    account_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Event], str | None]:
    filters = []
    if event_type:
        filters.append(col(Event.type) == event_type)
    if account_id:
        filters.append(col(Event.account_id) == account_id)
    return paginate(session, Event, *filters, limit=limit, cursor=cursor)
