"""On PostgreSQL, dispatchers skip rows another one holds instead of waiting."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlmodel import select

from app.context import build_context
from app.events.service import record_event
from app.models import Delivery
from app.outbound.dispatcher import claim_due
from app.outbound.schemas import WebhookCreate
from app.outbound.service import create_webhook
from tests.outbound.helpers import (
    FAST_OUTBOUND,
    create_hook,
    deliveries,
    record,
    verify_standard,
    wait_for_status,
)
from tests.support.service import api_client, settings_for

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_settings(home, postgres_url):
    """Settings on a PostgreSQL database of its own, dropped afterwards."""
    name = f"mm_outbound_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield settings_for(home, database={"url": url}, outbound=FAST_OUTBOUND)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def pg_ctx(pg_settings):
    ctx = build_context(pg_settings)
    yield ctx
    ctx.engine.dispose()


def test_delivery_with_retry_on_postgres(pg_settings, receiver):
    server = receiver([500, 200])
    with api_client(pg_settings) as client:
        hook = create_hook(client, server.url_for("/pg"), secret="secret-partagé")
        record(client, "email.received", {"subject": "Réunion 😀 \u2028"})
        [delivery] = deliveries(client, hook["id"])
        delivery = wait_for_status(client, delivery["id"], "delivered")

    first, second = server.wait_for(2)
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 200]
    assert first.body == second.body
    verify_standard("secret-partagé", second)


def test_claims_skip_locked_rows(pg_ctx):
    with pg_ctx.transaction() as session:
        data = WebhookCreate(name="w", url="http://127.0.0.1:9/a")
        create_webhook(session, pg_ctx.box, pg_ctx.settings.outbound, data)
        for number in range(3):
            record_event(session, "email.sent", {"n": number})

    with pg_ctx.session() as holder, pg_ctx.session() as claimer:
        held = holder.exec(
            select(Delivery.id)
            .order_by(Delivery.next_attempt_at)
            .limit(1)
            .with_for_update()
        ).one()
        claims = claim_due(claimer, 5, lease=60, per_endpoint=5)
        holder.rollback()
        after = claim_due(claimer, 5, lease=60, per_endpoint=5)

    assert len(claims) == 2
    assert held not in {c.delivery_id for c in claims}
    assert [c.delivery_id for c in after] == [held]
