"""The event log under /api/events."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from app.context import get_session
from app.events import service
from app.events.schemas import EventOut
from app.events.types import EVENT_TYPES
from app.kit.schema import Page
from app.outbound import deliveries
from app.outbound.schemas import DeliveryOut

router = APIRouter(prefix="/events", tags=["events"])

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


@router.get("", operation_id="list_events", response_model=Page[EventOut])
def list_events(
    event_type: EventType | None = Query(None, alias="type"),
    account_id: str | None = Query(None, alias="accountId"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
) -> Page[EventOut]:
    """List recorded events, newest first, by type and account."""
    rows, next_cursor = service.list_events(
        session,
        event_type=event_type,
        account_id=account_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=[EventOut.model_validate(e) for e in rows], next_cursor=next_cursor
    )


@router.get("/{event_id}", operation_id="get_event", response_model=EventOut)
def get_event(event_id: str, session: Session = Depends(get_session)) -> EventOut:
    """Show one recorded event."""
    return EventOut.model_validate(service.get_event(session, event_id))


@router.get(
    "/{event_id}/deliveries",
    operation_id="list_event_deliveries",
    response_model=Page[DeliveryOut],
)
def list_event_deliveries(
    event_id: str,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
) -> Page[DeliveryOut]:
    """List the deliveries of one event to every webhook, with their attempts."""
    service.get_event(session, event_id)
    rows, next_cursor = deliveries.list_deliveries(
        session, event_id=event_id, limit=limit, cursor=cursor
    )
    return Page(items=deliveries.to_out(session, rows), next_cursor=next_cursor)
