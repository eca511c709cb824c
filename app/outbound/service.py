"""Outbound webhook storage: create, change, secrets. Services flush; callers commit."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.config import OutboundSettings
from app.errors import Conflict, NotFound
from app.kit.ids import isoformat_z, new_id, utcnow
from app.kit.pagination import paginate
from app.kit.secretbox import SecretBox
from app.kit.signing import SigningKeys, generate_secret
from app.kit.urlsafety import check_url, parse_networks
from app.models import Delivery, DeliveryAttempt, OutboundWebhook
from app.models.base import touch
from app.outbound.schemas import (
    RotatedSecretOut,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
)

logger = logging.getLogger(__name__)

HEX_HEADER = "X-Webhook-Signature"
STANDARD_HEADER = "webhook-signature"


def check_webhook_url(url: str, settings: OutboundSettings) -> str:
    """The URL, stripped, if the settings let webhooks reach it (else 422)."""
    url = url.strip()
    check_url(url, parse_networks(settings.allowed_networks), settings.require_https)
    return url


def get_webhook(session: Session, webhook_id: str) -> OutboundWebhook:
    webhook = session.get(OutboundWebhook, webhook_id)
    if webhook is None:
        raise NotFound(
            f"no outbound webhook with id '{webhook_id}'; "
            "GET /api/webhooks/outbound lists them"
        )
    return webhook


def ensure_enabled(webhook: OutboundWebhook) -> None:
    """Refuse to queue deliveries for a disabled webhook (they could not go)."""
    if not webhook.enabled:
        reason = f" ({webhook.disabled_reason})" if webhook.disabled_reason else ""
        raise Conflict(
            f"webhook '{webhook.id}' is disabled{reason}; enable it first with "
            f'PATCH /api/webhooks/outbound/{webhook.id} {{"enabled": true}}'
        )


def list_webhooks(
    session: Session, *, limit: int, cursor: str | None
) -> tuple[list[OutboundWebhook], str | None]:
    return paginate(session, OutboundWebhook, limit=limit, cursor=cursor)


def create_webhook(
    session: Session, box: SecretBox, settings: OutboundSettings, data: WebhookCreate
) -> tuple[OutboundWebhook, str]:
    """Add a webhook; answer it and its secret (generated when not given)."""
    secret = data.secret or generate_secret()
    webhook = OutboundWebhook(
        id=new_id("owh"),
        name=data.name,
        description=data.description,
        url=check_webhook_url(data.url, settings),
        events=data.events,
        filters=data.filters,
        secret_enc=box.encrypt(secret),
        enabled=data.enabled,
    )
    session.add(webhook)
    session.flush()
    logger.info("outbound webhook created", extra={"webhook_id": webhook.id})
    return webhook, secret


def update_webhook(
    session: Session,
    settings: OutboundSettings,
    webhook: OutboundWebhook,
    data: WebhookUpdate,
) -> OutboundWebhook:
    """Change the given fields; enabling clears why the webhook was disabled."""
    changes = data.model_dump(exclude_unset=True)
    if changes.get("url") is not None:
        changes["url"] = check_webhook_url(changes["url"], settings)
    for field, value in changes.items():
        if value is not None or field == "description":
            setattr(webhook, field, value)
    if changes.get("enabled") is True:
        webhook.disabled_reason = None
        webhook.disabled_at = None
        webhook.failing_since = None
    touch(webhook)
    session.add(webhook)
    session.flush()
    return webhook


def delete_webhook(session: Session, webhook: OutboundWebhook) -> None:
    """Remove a webhook with its deliveries and their attempts."""
    delivery_ids = select(Delivery.id).where(Delivery.webhook_id == webhook.id)
    session.exec(  # type: ignore[call-overload]
        delete(DeliveryAttempt).where(
            col(DeliveryAttempt.delivery_id).in_(delivery_ids)
        )
    )
    session.exec(  # type: ignore[call-overload]
        delete(Delivery).where(col(Delivery.webhook_id) == webhook.id)
    )
    session.delete(webhook)
    session.flush()
    logger.info("outbound webhook deleted", extra={"webhook_id": webhook.id})


def rotate_secret(
    session: Session,
    box: SecretBox,
    settings: OutboundSettings,
    webhook: OutboundWebhook,
    new_secret: str | None,
    grace_hours: float | None = None,
) -> str:
    """Replace the secret; the old one keeps signing for the grace period.

    `grace_hours` defaults to `outbound.rotationGraceHours`; 0 switches every
    signature to the new secret at once.
    """
    now = utcnow()
    if grace_hours is None:
        grace_hours = settings.rotation_grace_hours
    grace = timedelta(hours=grace_hours)
    if grace > timedelta(0):
        webhook.previous_secret_enc = webhook.secret_enc
        webhook.previous_secret_expires_at = now + grace
    else:
        webhook.previous_secret_enc = None
        webhook.previous_secret_expires_at = None
    secret = new_secret or generate_secret()
    webhook.secret_enc = box.encrypt(secret)
    touch(webhook)
    session.add(webhook)
    session.flush()
    logger.info("outbound webhook secret rotated", extra={"webhook_id": webhook.id})
    return secret


def rotating_until(webhook: OutboundWebhook) -> datetime | None:
    """When the previous secret stops signing, if it still signs now."""
    expires = webhook.previous_secret_expires_at
    if webhook.previous_secret_enc and expires is not None and expires > utcnow():
        return expires
    return None


def signing_keys(box: SecretBox, webhook: OutboundWebhook) -> SigningKeys:
    """The secrets that sign now, header by header (see app.kit.signing)."""
    current = box.decrypt(webhook.secret_enc)
    if rotating_until(webhook) is None or webhook.previous_secret_enc is None:
        return SigningKeys.single(current)
    previous = box.decrypt(webhook.previous_secret_enc)
    # Receivers that compare X-Webhook-Signature with one secret (the user
    # guide's Express check) hold the previous one until they switch: the
    # grace period is there for that switch.
    return SigningKeys(hex_secret=previous, standard=(current, previous))


def rotated_out(webhook: OutboundWebhook, secret: str) -> RotatedSecretOut:
    """The answer to a rotation: the new secret and which header uses which."""
    until = rotating_until(webhook)
    if until is None:
        return RotatedSecretOut(
            webhook_id=webhook.id,
            secret=secret,
            header_keys={HEX_HEADER: ["new"], STANDARD_HEADER: ["new"]},
            note="Every signature now uses the new secret; the previous one "
            "signs nothing any more.",
        )
    return RotatedSecretOut(
        webhook_id=webhook.id,
        secret=secret,
        previous_secret_expires_at=until,
        header_keys={HEX_HEADER: ["previous"], STANDARD_HEADER: ["new", "previous"]},
        note=f"Until {isoformat_z(until)}, {HEX_HEADER} is signed with the previous "
        f"secret and {STANDARD_HEADER} with both; after that, both headers use the "
        "new secret only. Give receivers the new secret before then.",
    )


def to_out(webhook: OutboundWebhook) -> WebhookOut:
    """The webhook as the API shows it: never with its secret."""
    out = WebhookOut.model_validate(webhook)
    out.secret_rotating_until = rotating_until(webhook)
    return out
