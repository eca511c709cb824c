"""Claiming, leases and endpoint health, driven without the worker thread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.context import build_context
from app.events.service import record_event
from app.kit.ids import utcnow
from app.models import Delivery, OutboundWebhook
from app.outbound.dispatcher import Dispatcher, claim_due
from app.outbound.schemas import WebhookCreate
from app.outbound.service import create_webhook
from tests.outbound.helpers import FAST_OUTBOUND
from tests.support.service import settings_for


@pytest.fixture
def ctx(home):
    """A context on a fresh database, no worker running."""
    context = build_context(settings_for(home, outbound=FAST_OUTBOUND))
    yield context
    context.engine.dispose()


def add_webhook(ctx, url: str, **fields) -> str:
    with ctx.transaction() as session:
        data = WebhookCreate(name="w", url=url, **fields)
        webhook, _ = create_webhook(session, ctx.box, ctx.settings.outbound, data)
        return webhook.id


def add_events(ctx, count: int) -> None:
    with ctx.transaction() as session:
        for number in range(count):
            record_event(session, "email.sent", {"n": number})


def test_two_dispatchers_never_claim_the_same_delivery(ctx):
    add_webhook(ctx, "http://127.0.0.1:9/a")
    add_events(ctx, 5)

    with ctx.session() as one, ctx.session() as two:
        first = claim_due(one, 3, lease=60, per_endpoint=5)
        second = claim_due(two, 3, lease=60, per_endpoint=5)
        third = claim_due(two, 3, lease=60, per_endpoint=5)

    ids = [c.delivery_id for c in first + second]
    assert (len(first), len(second), third) == (3, 2, [])
    assert len(set(ids)) == 5


def test_an_expired_lease_is_claimed_again(ctx):
    add_webhook(ctx, "http://127.0.0.1:9/a")
    add_events(ctx, 1)
    with ctx.session() as session:
        [claim] = claim_due(session, 5, lease=60, per_endpoint=5)
        assert claim_due(session, 5, lease=60, per_endpoint=5) == []
        delivery = session.get(Delivery, claim.delivery_id)
        delivery.claimed_until = utcnow() - timedelta(seconds=1)
        session.add(delivery)
        session.commit()

        [again] = claim_due(session, 5, lease=60, per_endpoint=5)

    assert again.delivery_id == claim.delivery_id
    assert again.token != claim.token


def test_event_and_deliveries_roll_back_together(ctx):
    add_webhook(ctx, "http://127.0.0.1:9/a")

    with pytest.raises(RuntimeError), ctx.transaction() as session:
        record_event(session, "email.sent", {"subject": "x"})
        raise RuntimeError("the change that caused the event failed")

    with ctx.session() as session:
        assert list(session.exec(select(Delivery))) == []


def test_no_success_for_too_long_disables_the_endpoint(ctx, receiver):
    server = receiver(default=500)
    webhook_id = add_webhook(ctx, server.url_for("/x"))
    with ctx.transaction() as session:
        webhook = session.get(OutboundWebhook, webhook_id)
        webhook.failing_since = utcnow() - timedelta(hours=121)
        session.add(webhook)
    add_events(ctx, 1)
    dispatcher = Dispatcher(ctx)

    with ctx.session() as session:
        [claim] = claim_due(session, 1, lease=60, per_endpoint=5)
    dispatcher.deliver(claim)
    dispatcher.stop()

    with ctx.session() as session:
        webhook = session.get(OutboundWebhook, webhook_id)
    assert webhook.enabled is False
    assert "disableAfterHours" in webhook.disabled_reason
    assert len(server.requests) == 1


def test_deliveries_of_a_disabled_webhook_fail_unsent(ctx, receiver):
    server = receiver()
    webhook_id = add_webhook(ctx, server.url_for("/x"))
    add_events(ctx, 1)
    with ctx.transaction() as session:
        session.get(OutboundWebhook, webhook_id).enabled = False
    dispatcher = Dispatcher(ctx)

    with ctx.session() as session:
        [claim] = claim_due(session, 1, lease=60, per_endpoint=5)
    dispatcher.deliver(claim)
    dispatcher.stop()

    with ctx.session() as session:
        delivery = session.get(Delivery, claim.delivery_id)
    assert delivery.status == "failed"
    assert "disabled" in delivery.last_error
    assert server.requests == []


def test_a_test_event_is_tried_once_on_a_disabled_webhook_not_retried(ctx, receiver):
    server = receiver([500])
    webhook_id = add_webhook(ctx, server.url_for("/x"))
    with ctx.transaction() as session:
        session.get(OutboundWebhook, webhook_id).enabled = False
        record_event(session, "webhook.test", {"n": 1}, webhook_id=webhook_id)
    dispatcher = Dispatcher(ctx)

    for _ in range(2):
        with ctx.session() as session:
            session.exec(select(Delivery)).one().next_attempt_at = utcnow()
            session.commit()
            [claim] = claim_due(session, 1, lease=60, per_endpoint=5)
        dispatcher.deliver(claim)
    dispatcher.stop()

    with ctx.session() as session:
        delivery = session.get(Delivery, claim.delivery_id)
    assert len(server.requests) == 1
    assert delivery.status == "failed"
    assert "disabled" in delivery.last_error


def test_a_target_no_longer_allowed_is_refused_at_delivery(home, receiver):
    server = receiver()
    allowed = build_context(settings_for(home, outbound=FAST_OUTBOUND))
    add_webhook(allowed, f"http://localhost:{server.port}/x")
    allowed.engine.dispose()
    strict = build_context(settings_for(home, outbound={"require_https": False}))
    add_events(strict, 1)
    dispatcher = Dispatcher(strict)

    with strict.session() as session:
        [claim] = claim_due(session, 1, lease=60, per_endpoint=5)
    dispatcher.deliver(claim)
    dispatcher.stop()

    with strict.session() as session:
        delivery = session.get(Delivery, claim.delivery_id)
    strict.engine.dispose()
    assert delivery.status == "pending"
    assert delivery.last_status_code is None
    assert "loopback" in delivery.last_error
    assert "ALLOWED_NETWORKS" in delivery.last_error
    assert server.requests == []
