"""Turning a recorded event into one pending delivery per interested webhook."""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from app.kit.ids import new_id
from app.models import Delivery, Event, OutboundWebhook
from app.outbound.filters import wants

logger = logging.getLogger(__name__)


def fan_out(
    session: Session, event: Event, *, only_webhook_id: str | None = None
) -> list[Delivery]:
    """Add the deliveries of `event` (flushes); `only_webhook_id` targets one."""
    if only_webhook_id is not None:
        webhook = session.get(OutboundWebhook, only_webhook_id)
        targets = [webhook] if webhook is not None else []
    else:
        query = select(OutboundWebhook).where(col(OutboundWebhook.enabled))
        targets = [w for w in session.exec(query) if wants(w.events, w.filters, event)]
    deliveries = [
        Delivery(
            id=new_id("dlv"),
            event_id=event.id,
            webhook_id=webhook.id,
            event_type=event.type,
            next_attempt_at=event.created_at,
            created_at=event.created_at,
        )
        for webhook in targets
    ]
    session.add_all(deliveries)
    session.flush()
    if deliveries:
        logger.info(
            "event fanned out", extra={"event_id": event.id, "count": len(deliveries)}
        )
    return deliveries
