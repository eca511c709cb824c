"""A slow endpoint holds at most `perEndpointConcurrency` slots; others keep flowing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.context import build_context
from app.events.service import record_event
from app.kit.ids import utcnow
from app.models import Delivery
from app.outbound.dispatcher import claim_due
from app.outbound.schemas import WebhookCreate
from app.outbound.service import create_webhook
from tests.outbound.helpers import FAST_OUTBOUND, create_hook, deliveries, record
from tests.support.receiver import RecordedRequest
from tests.support.service import api_client, settings_for

SLOW_SECONDS = 2.0
EVENTS = 10
ISOLATED = {**FAST_OUTBOUND, "concurrency": 3, "per_endpoint_concurrency": 2}


@pytest.fixture
def ctx(home):
    """A context on a fresh database, no worker running."""
    context = build_context(settings_for(home, outbound=FAST_OUTBOUND))
    yield context
    context.engine.dispose()


def add_webhook(ctx, url: str) -> str:
    with ctx.transaction() as session:
        data = WebhookCreate(name="w", url=url)
        webhook, _ = create_webhook(session, ctx.box, ctx.settings.outbound, data)
        return webhook.id


def claimed_per_webhook(claims, session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for claim in claims:
        webhook_id = session.get(Delivery, claim.delivery_id).webhook_id
        counts[webhook_id] = counts.get(webhook_id, 0) + 1
    return counts


def test_a_claim_takes_at_most_per_endpoint_of_each_webhook(ctx):
    first = add_webhook(ctx, "http://127.0.0.1:9/a")
    second = add_webhook(ctx, "http://127.0.0.1:9/b")
    with ctx.transaction() as session:
        for number in range(5):
            record_event(session, "email.sent", {"n": number})

    with ctx.session() as session:
        claims = claim_due(session, 10, lease=60, per_endpoint=2)
        again = claim_due(session, 10, lease=60, per_endpoint=2)
        counts = claimed_per_webhook(claims, session)

    assert counts == {first: 2, second: 2}
    assert again == []


def test_claims_held_elsewhere_count_against_the_cap(ctx):
    webhook_id = add_webhook(ctx, "http://127.0.0.1:9/a")
    with ctx.transaction() as session:
        for number in range(4):
            record_event(session, "email.sent", {"n": number})

    with ctx.session() as one, ctx.session() as two:
        held = claim_due(one, 1, lease=60, per_endpoint=2)
        more = claim_due(two, 10, lease=60, per_endpoint=2)
        expired = one.get(Delivery, held[0].delivery_id)
        expired.claimed_until = utcnow() - timedelta(seconds=1)
        one.add(expired)
        one.commit()
        after_expiry = claim_due(two, 10, lease=60, per_endpoint=2)
        pending = two.exec(
            select(Delivery).where(Delivery.webhook_id == webhook_id)
        ).all()

    assert (len(held), len(more), len(after_expiry)) == (1, 1, 1)
    assert held[0].delivery_id != more[0].delivery_id
    # The abandoned claim no longer counts, and its delivery is due first.
    assert after_expiry[0].delivery_id == held[0].delivery_id
    assert sum(d.claim_token is None for d in pending) == 2


def most_at_once(requests: list[RecordedRequest], held: float) -> int:
    """Most requests the receiver held at the same moment (each held `held` s)."""
    starts = sorted(r.received_at for r in requests)
    return max(
        sum(start <= other < start + held for other in starts) for start in starts
    )


def test_a_slow_endpoint_does_not_hold_up_a_healthy_one(home, receiver):
    slow = receiver(delay=SLOW_SECONDS)
    healthy = receiver()
    with api_client(settings_for(home, outbound=ISOLATED)) as client:
        slow_hook = create_hook(client, slow.url_for("/slow"))
        healthy_hook = create_hook(client, healthy.url_for("/healthy"))
        for number in range(EVENTS):
            record(client, "email.sent", {"n": number})

        healthy.wait_for(EVENTS, timeout=15)
        slow_states = [d["status"] for d in deliveries(client, slow_hook["id"])]
        slow.wait_for(EVENTS, timeout=EVENTS * SLOW_SECONDS + 15)
        healthy_states = {d["status"] for d in deliveries(client, healthy_hook["id"])}

    assert len(healthy.requests) == EVENTS
    assert healthy_states == {"delivered"}
    assert len(slow_states) == EVENTS
    assert slow_states.count("pending") >= EVENTS - 2 * 2
    assert most_at_once(slow.requests, SLOW_SECONDS) == 2
