"""Delivery history and re-sends. Services flush; callers commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import wake_after_commit
from app.errors import Conflict, NotFound, ValidationFailed
from app.kit.ids import utcnow
from app.kit.pagination import paginate
from app.models import Delivery, DeliveryAttempt
from app.outbound.schemas import AttemptOut, DeliveryOut

logger = logging.getLogger(__name__)

STATUSES = ("pending", "delivered", "failed")


def get_delivery(session: Session, delivery_id: str) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(
            f"no delivery with id '{delivery_id}'; "
            "GET /api/webhooks/outbound/{id}/deliveries lists them"
        )
    return delivery


def list_deliveries(
    session: Session,
    *,
    webhook_id: str | None = None,
    event_id: str | None = None,
    status: str | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Delivery], str | None]:
    """Deliveries newest first, narrowed by webhook, event and status."""
    filters = []
    if status is not None:
        if status not in STATUSES:
            raise ValidationFailed(
                f"unknown status '{status}'; use one of {', '.join(STATUSES)}"
            )
        filters.append(col(Delivery.status) == status)
    if webhook_id is not None:
        filters.append(col(Delivery.webhook_id) == webhook_id)
    if event_id is not None:
        filters.append(col(Delivery.event_id) == event_id)
    return paginate(session, Delivery, *filters, limit=limit, cursor=cursor)


def to_out(session: Session, deliveries: list[Delivery]) -> list[DeliveryOut]:
    """Deliveries with their attempts, oldest attempt first."""
    ids = [d.id for d in deliveries]
    by_delivery: dict[str, list[DeliveryAttempt]] = defaultdict(list)
    query = (
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.delivery_id).in_(ids))
        .order_by(col(DeliveryAttempt.number))
    )
    for attempt in session.exec(query):
        by_delivery[attempt.delivery_id].append(attempt)
    return [_delivery_out(d, by_delivery[d.id]) for d in deliveries]


def _delivery_out(delivery: Delivery, attempts: list[DeliveryAttempt]) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        event_id=delivery.event_id,
        webhook_id=delivery.webhook_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempt_count=len(attempts),
        next_attempt_at=delivery.next_attempt_at
        if delivery.status == "pending"
        else None,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
        attempts=[AttemptOut.model_validate(a) for a in attempts],
    )


def resend_delivery(session: Session, delivery: Delivery) -> Delivery:
    """Start a new attempt cycle now: same event, same body, same webhook-id."""
    now = utcnow()
    if delivery.claimed_until is not None and delivery.claimed_until > now:
        raise Conflict(
            f"delivery '{delivery.id}' is being attempted right now; "
            "wait for the attempt to finish and try again"
        )
    _restart(delivery, now)
    session.add(delivery)
    session.flush()
    wake_after_commit(session, "dispatcher")
    logger.info("delivery re-sent", extra={"delivery_id": delivery.id})
    return delivery


def resend_failed(session: Session, webhook_id: str, since: datetime) -> int:
    """Restart every failed delivery of a webhook created since `since`."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    now = utcnow()
    result = session.exec(  # type: ignore[call-overload]
        update(Delivery)
        .where(
            col(Delivery.webhook_id) == webhook_id,
            col(Delivery.status) == "failed",
            col(Delivery.created_at) >= since,
        )
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=now,
            claimed_until=None,
            claim_token=None,
            updated_at=now,
        )
    )
    session.flush()
    count = result.rowcount or 0
    if count:
        wake_after_commit(session, "dispatcher")
    logger.info(
        "failed deliveries re-sent", extra={"webhook_id": webhook_id, "count": count}
    )
    return count


def _restart(delivery: Delivery, now: datetime) -> None:
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    delivery.claim_token = None
    delivery.updated_at = now
