"""What one attempt needs before it starts, and what it changes once it ends."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from app.config import OutboundSettings
from app.kit.ids import isoformat_z, new_id, utcnow
from app.kit.secretbox import SecretBox
from app.kit.signing import SigningKeys
from app.models import Delivery, DeliveryAttempt, Event, OutboundWebhook
from app.outbound.attempt import AttemptResult, next_delay
from app.outbound.service import signing_keys

logger = logging.getLogger(__name__)

TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class Claim:
    delivery_id: str
    token: str


@dataclass(frozen=True)
class Job:
    """A snapshot of one claimed delivery, taken before the HTTP request."""

    claim: Claim
    event_id: str
    event_type: str
    body: bytes
    webhook_id: str
    url: str
    keys: SigningKeys
    sendable: bool
    disabled_reason: str | None


def load_job(session: Session, box: SecretBox, claim: Claim) -> Job | None:
    """The claimed delivery's snapshot, or None if it is gone or re-claimed."""
    delivery = session.get(Delivery, claim.delivery_id)
    if delivery is None or delivery.claim_token != claim.token:
        return None
    event = session.get(Event, delivery.event_id)
    webhook = session.get(OutboundWebhook, delivery.webhook_id)
    if event is None or webhook is None:
        return None
    return Job(
        claim=claim,
        event_id=event.id,
        event_type=event.type,
        body=event.body.encode("utf-8"),
        webhook_id=webhook.id,
        url=webhook.url,
        keys=signing_keys(box, webhook),
        # A test may check a disabled endpoint before it is enabled again, but
        # only its first attempt: disabling a webhook stops its retries too.
        sendable=webhook.enabled
        or (event.type == TEST_EVENT and delivery.attempts == 0),
        disabled_reason=webhook.disabled_reason,
    )


def record_not_sent(session: Session, job: Job) -> None:
    """Fail a delivery whose webhook was disabled before its turn came."""
    delivery = _claimed(session, job.claim)
    if delivery is None:
        return
    delivery.status = "failed"
    delivery.last_error = "not sent: the webhook is disabled" + (
        f" ({job.disabled_reason})" if job.disabled_reason else ""
    )
    _release(session, delivery, utcnow())


def record_attempt(
    session: Session, settings: OutboundSettings, job: Job, result: AttemptResult
) -> str:
    """Store the attempt and move the delivery on; answer its new status."""
    now = utcnow()
    delivery = session.get(Delivery, job.claim.delivery_id, with_for_update=True)
    if delivery is None:
        return "gone"  # its webhook was deleted meanwhile
    session.add(_attempt_row(session, job, result, now))
    if delivery.claim_token != job.claim.token:
        # The lease ran out and another dispatcher took the delivery over;
        # that one decides what happens next.
        logger.warning("delivery claim lost", extra={"delivery_id": delivery.id})
        return "lost"
    webhook = session.get(OutboundWebhook, job.webhook_id, with_for_update=True)
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    if result.ok:
        delivery.status = "delivered"
        delivery.delivered_at = now
        if webhook is not None:
            webhook.last_success_at = now
            webhook.failing_since = None
    else:
        _after_failure(settings, delivery, webhook, result, now)
    _release(session, delivery, now)
    return delivery.status


def _attempt_row(
    session: Session, job: Job, result: AttemptResult, now: datetime
) -> DeliveryAttempt:
    done = session.exec(
        select(func.count()).where(
            col(DeliveryAttempt.delivery_id) == job.claim.delivery_id
        )
    ).one()
    return DeliveryAttempt(
        id=new_id("att"),
        delivery_id=job.claim.delivery_id,
        number=done + 1,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        response_excerpt=result.excerpt,
        error=result.error,
        created_at=now,
    )


def _after_failure(
    settings: OutboundSettings,
    delivery: Delivery,
    webhook: OutboundWebhook | None,
    result: AttemptResult,
    now: datetime,
) -> None:
    delivery.attempts += 1
    if result.status_code == 410:
        delivery.status = "failed"
        _disable(webhook, now, "the receiver answered 410 Gone: it wants no more")
        return
    delay = next_delay(settings.retry_schedule, delivery.attempts, result.retry_after)
    if delay is None:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    if webhook is None:
        return
    webhook.failing_since = webhook.failing_since or now
    limit = timedelta(hours=settings.disable_after_hours)
    if now - webhook.failing_since >= limit:
        _disable(
            webhook,
            now,
            f"no successful delivery since {isoformat_z(webhook.failing_since)} "
            f"(outbound.disableAfterHours is {settings.disable_after_hours:g})",
        )


def _disable(webhook: OutboundWebhook | None, now: datetime, reason: str) -> None:
    if webhook is None or not webhook.enabled:
        return
    webhook.enabled = False
    webhook.disabled_reason = reason
    webhook.disabled_at = now
    webhook.updated_at = now
    logger.warning("outbound webhook disabled", extra={"webhook_id": webhook.id})


def _claimed(session: Session, claim: Claim) -> Delivery | None:
    delivery = session.get(Delivery, claim.delivery_id, with_for_update=True)
    if delivery is None or delivery.claim_token != claim.token:
        return None
    return delivery


def _release(session: Session, delivery: Delivery, now: datetime) -> None:
    delivery.claimed_until = None
    delivery.claim_token = None
    delivery.updated_at = now
    session.add(delivery)
