"""The idempotency race and path uniqueness on PostgreSQL."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.inbound.conftest import SECRET, account_body, guide_webhook, jobs_of
from tests.support.service import live_service, settings_for

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_settings(home, postgres_url):
    """Settings on a database of its own, dropped afterwards."""
    name = f"mm_inbound_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield settings_for(home, database={"url": url}, workers={"enabled": False})
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_racing_calls_with_one_key_queue_one_job(pg_settings):
    with live_service(pg_settings) as svc:
        with svc.client() as admin:
            account = admin.post("/api/accounts", json=account_body()).json()
            hook = admin.post(
                "/api/webhooks/inbound", json=guide_webhook(account["id"])
            ).json()
            again = admin.post(
                "/api/webhooks/inbound", json=guide_webhook(account["id"])
            )
        headers = {"X-Webhook-Secret": SECRET, "Idempotency-Key": "pg-race"}
        body = {"to": "a@example.com", "subject": "once"}

        def call(_):
            with svc.client() as client:
                answer = client.post(
                    f"/webhook/{hook['id']}", headers=headers, json=body
                )
                return answer.status_code, answer.json()

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(call, range(8)))

        assert again.status_code == 409
        assert {status for status, _ in answers} == {202}
        assert all(answer == answers[0][1] for _, answer in answers)
        assert len(jobs_of(svc.app, answers[0][1]["invocationId"])) == 1
