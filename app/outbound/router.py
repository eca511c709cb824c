"""Outbound webhooks and deliveries under /api/webhooks/outbound and /api/deliveries."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session, col, func, select

from app.context import AppContext, get_ctx, get_session
from app.events.service import record_event
from app.kit.schema import Page
from app.models import DeliveryAttempt
from app.outbound import deliveries, service
from app.outbound.schemas import (
    DeliveryOut,
    ResendCount,
    ResendFailedIn,
    RotatedSecretOut,
    RotateSecretIn,
    SecretOut,
    TestOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(tags=["outbound"])
HOOKS = "/webhooks/outbound"
MAX_WAIT_SECONDS = 30.0


@router.get(
    HOOKS, operation_id="list_outbound_webhooks", response_model=Page[WebhookOut]
)
def list_outbound_webhooks(
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
) -> Page[WebhookOut]:
    """List outbound webhooks, newest first (secrets are never listed)."""
    rows, next_cursor = service.list_webhooks(session, limit=limit, cursor=cursor)
    return Page(items=[service.to_out(w) for w in rows], next_cursor=next_cursor)


@router.post(
    HOOKS,
    operation_id="create_outbound_webhook",
    response_model=WebhookCreated,
    status_code=201,
)
def create_outbound_webhook(
    data: WebhookCreate,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> WebhookCreated:
    """Subscribe a URL to events; the answer shows the signing secret once."""
    webhook, secret = service.create_webhook(
        session, ctx.box, ctx.settings.outbound, data
    )
    session.commit()
    out = service.to_out(webhook)
    return WebhookCreated(**out.model_dump(), secret=secret)


@router.get(
    HOOKS + "/{webhook_id}",
    operation_id="get_outbound_webhook",
    response_model=WebhookOut,
)
def get_outbound_webhook(
    webhook_id: str, session: Session = Depends(get_session)
) -> WebhookOut:
    """Show one outbound webhook and its health (without its secret)."""
    return service.to_out(service.get_webhook(session, webhook_id))


@router.patch(
    HOOKS + "/{webhook_id}",
    operation_id="update_outbound_webhook",
    response_model=WebhookOut,
)
def update_outbound_webhook(
    webhook_id: str,
    data: WebhookUpdate,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> WebhookOut:
    """Change some fields; `enabled: true` re-enables a disabled webhook."""
    webhook = service.get_webhook(session, webhook_id)
    service.update_webhook(session, ctx.settings.outbound, webhook, data)
    session.commit()
    return service.to_out(webhook)


@router.delete(
    HOOKS + "/{webhook_id}", operation_id="delete_outbound_webhook", status_code=204
)
def delete_outbound_webhook(
    webhook_id: str, session: Session = Depends(get_session)
) -> Response:
    """Remove an outbound webhook and its delivery history."""
    service.delete_webhook(session, service.get_webhook(session, webhook_id))
    session.commit()
    return Response(status_code=204)


@router.post(
    HOOKS + "/{webhook_id}/rotate-secret",
    operation_id="rotate_webhook_secret",
    response_model=RotatedSecretOut,
)
def rotate_webhook_secret(
    webhook_id: str,
    data: RotateSecretIn | None = None,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> RotatedSecretOut:
    """Set a new signing secret; the old one keeps signing for `graceHours`."""
    webhook = service.get_webhook(session, webhook_id)
    data = data or RotateSecretIn()
    secret = service.rotate_secret(
        session, ctx.box, ctx.settings.outbound, webhook, data.secret, data.grace_hours
    )
    session.commit()
    return service.rotated_out(webhook, secret)


@router.post(
    HOOKS + "/{webhook_id}/reveal-secret",
    operation_id="reveal_webhook_secret",
    response_model=SecretOut,
)
def reveal_webhook_secret(
    webhook_id: str,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> SecretOut:
    """Show the current signing secret of a webhook."""
    webhook = service.get_webhook(session, webhook_id)
    return SecretOut(webhook_id=webhook.id, secret=ctx.box.decrypt(webhook.secret_enc))


@router.post(
    HOOKS + "/{webhook_id}/test", operation_id="test_webhook", response_model=TestOut
)
def test_webhook(
    webhook_id: str,
    wait: float = Query(
        0, ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for an attempt."
    ),
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> TestOut:
    """Send a `webhook.test` event to this webhook only; `?wait=` for the result."""
    webhook = service.get_webhook(session, webhook_id)
    data = {"webhookId": webhook.id, "message": "Test event from Mailing Manager"}
    event = record_event(session, "webhook.test", data, webhook_id=webhook.id)
    session.commit()
    delivery_id = deliveries.list_deliveries(
        session, event_id=event.id, limit=1, cursor=None
    )[0][0].id
    if wait:
        _wait_for_attempt(ctx, delivery_id, wait)
    with ctx.session() as fresh:
        delivery = deliveries.get_delivery(fresh, delivery_id)
        out = deliveries.to_out(fresh, [delivery])[0]
    return TestOut(delivery_id=delivery_id, event_id=event.id, delivery=out)


def _wait_for_attempt(ctx: AppContext, delivery_id: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    query = select(func.count()).where(col(DeliveryAttempt.delivery_id) == delivery_id)
    while time.monotonic() < deadline:
        with ctx.session() as session:
            if session.exec(query).one() > 0:
                return
        time.sleep(0.05)


@router.get(
    HOOKS + "/{webhook_id}/deliveries",
    operation_id="list_deliveries",
    response_model=Page[DeliveryOut],
)
def list_deliveries(
    webhook_id: str,
    status: str | None = Query(None, description="pending, delivered or failed"),
    event_id: str | None = Query(None, alias="eventId"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
) -> Page[DeliveryOut]:
    """List a webhook's deliveries, newest first, each with its attempts."""
    service.get_webhook(session, webhook_id)
    rows, next_cursor = deliveries.list_deliveries(
        session,
        webhook_id=webhook_id,
        event_id=event_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=deliveries.to_out(session, rows), next_cursor=next_cursor)


@router.get(
    "/deliveries/{delivery_id}", operation_id="get_delivery", response_model=DeliveryOut
)
def get_delivery(
    delivery_id: str, session: Session = Depends(get_session)
) -> DeliveryOut:
    """Show one delivery with every attempt."""
    delivery = deliveries.get_delivery(session, delivery_id)
    return deliveries.to_out(session, [delivery])[0]


@router.post(
    "/deliveries/resend",
    operation_id="resend_failed_deliveries",
    response_model=ResendCount,
)
def resend_failed_deliveries(
    data: ResendFailedIn, session: Session = Depends(get_session)
) -> ResendCount:
    """Re-send every failed delivery of a webhook created since a moment."""
    service.ensure_enabled(service.get_webhook(session, data.webhook_id))
    count = deliveries.resend_failed(session, data.webhook_id, data.since)
    session.commit()
    return ResendCount(count=count)


@router.post(
    "/deliveries/{delivery_id}/resend",
    operation_id="resend_delivery",
    response_model=DeliveryOut,
)
def resend_delivery(
    delivery_id: str, session: Session = Depends(get_session)
) -> DeliveryOut:
    """Deliver an event again: a new attempt cycle with the same body and id."""
    delivery = deliveries.get_delivery(session, delivery_id)
    if delivery.event_type != "webhook.test":
        service.ensure_enabled(service.get_webhook(session, delivery.webhook_id))
    deliveries.resend_delivery(session, delivery)
    session.commit()
    return deliveries.to_out(session, [delivery])[0]
