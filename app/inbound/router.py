"""Inbound webhook administration under /api/webhooks/inbound."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session

from app.context import AppContext, get_ctx, get_session
from app.inbound import service
from app.inbound.schemas import (
    InboundWebhookCreate,
    InboundWebhookCreated,
    InboundWebhookOut,
    InboundWebhookUpdate,
    InvocationOut,
    SecretOut,
    SecretRotation,
)
from app.kit.schema import Page

router = APIRouter(prefix="/webhooks/inbound", tags=["inbound"])


@router.get(
    "", operation_id="list_inbound_webhooks", response_model=Page[InboundWebhookOut]
)
def list_inbound_webhooks(
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> Page[InboundWebhookOut]:
    """List inbound webhooks, newest first (secrets are never listed)."""
    rows, next_cursor = service.list_webhooks(session, limit=limit, cursor=cursor)
    items = [service.to_out(w, ctx.settings) for w in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "",
    operation_id="create_inbound_webhook",
    response_model=InboundWebhookCreated,
    status_code=201,
)
def create_inbound_webhook(
    data: InboundWebhookCreate,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> InboundWebhookCreated:
    """Create an inbound webhook; the answer shows its secret this once."""
    webhook, secret = service.create_webhook(session, ctx.box, data)
    session.commit()
    out = service.to_out(webhook, ctx.settings)
    return InboundWebhookCreated(**out.model_dump(), secret=secret)


@router.get(
    "/{webhook_id}",
    operation_id="get_inbound_webhook",
    response_model=InboundWebhookOut,
)
def get_inbound_webhook(
    webhook_id: str,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> InboundWebhookOut:
    """Show one inbound webhook (without its secret)."""
    return service.to_out(service.get_webhook(session, webhook_id), ctx.settings)


@router.patch(
    "/{webhook_id}",
    operation_id="update_inbound_webhook",
    response_model=InboundWebhookOut,
)
def update_inbound_webhook(
    webhook_id: str,
    data: InboundWebhookUpdate,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> InboundWebhookOut:
    """Change some fields of an inbound webhook; omitted fields keep their value."""
    webhook = service.get_webhook(session, webhook_id)
    service.update_webhook(session, ctx.box, webhook, data)
    session.commit()
    return service.to_out(webhook, ctx.settings)


@router.delete("/{webhook_id}", operation_id="delete_inbound_webhook", status_code=204)
def delete_inbound_webhook(
    webhook_id: str, session: Session = Depends(get_session)
) -> Response:
    """Delete an inbound webhook and its invocation history."""
    service.delete_webhook(session, service.get_webhook(session, webhook_id))
    session.commit()
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/reveal-secret",
    operation_id="reveal_inbound_webhook_secret",
    response_model=SecretOut,
)
def reveal_inbound_webhook_secret(
    webhook_id: str,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> SecretOut:
    """Show the secret of an inbound webhook (an explicit, deliberate request)."""
    webhook = service.get_webhook(session, webhook_id)
    return SecretOut(webhook_id=webhook.id, secret=ctx.box.decrypt(webhook.secret_enc))


@router.post(
    "/{webhook_id}/rotate-secret",
    operation_id="rotate_inbound_webhook_secret",
    response_model=SecretOut,
)
def rotate_inbound_webhook_secret(
    webhook_id: str,
    data: SecretRotation | None = None,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> SecretOut:
    """Replace the secret now (given or generated); the old one stops working."""
    webhook = service.get_webhook(session, webhook_id)
    secret = service.rotate_secret(
        session, ctx.box, webhook, data.secret if data else None
    )
    session.commit()
    return SecretOut(webhook_id=webhook.id, secret=secret)


@router.get(
    "/{webhook_id}/invocations",
    operation_id="list_invocations",
    response_model=Page[InvocationOut],
)
def list_invocations(
    webhook_id: str,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
) -> Page[InvocationOut]:
    """List the calls made to a webhook, newest first (bodies are not kept)."""
    webhook = service.get_webhook(session, webhook_id)
    items, next_cursor = service.list_invocations(
        session, webhook, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)
