"""Claiming send jobs: never twice at once, and taken over when a lease expires."""

import threading
import uuid
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import update

from app.kit.ids import utcnow
from app.models import SendJob
from app.sending import outbox
from app.sending.worker import SenderWorker
from tests.sending.helpers import inbox, send
from tests.support.service import api_client, settings_for

PG_ACCOUNT = {
    "name": "PG",
    "email": "pg@example.com",
    "imap": {"host": "127.0.0.1", "port": 1, "security": "none", "password": "p"},
    "smtp": {"host": "127.0.0.1", "port": 1, "security": "none", "password": "p"},
}
QUIET = {"workers": {"enabled": False}, "sender": {"retry_schedule": [0, 0.2, 0.2]}}


@pytest.fixture
def sending(home):
    """The service without its own workers: the tests drive them."""
    with api_client(settings_for(home, **QUIET)) as client:
        yield client


def _job(client, job_id):
    return client.get(f"/api/outbox/{job_id}").json()


def test_a_job_whose_sender_died_is_sent_once_its_lease_expires(
    sending, mail_account, dovecot
):
    ctx = sending.app.state.ctx
    account = mail_account()
    to = dovecot.new_user("to")
    job = send(sending, account, to=to.email, subject="Survivor")
    assert outbox.claim_next(ctx) is not None  # a process that then died

    _one_pass(ctx)
    held = _job(sending, job["id"])
    _expire_lease(ctx, job["id"])
    _one_pass(ctx)

    assert held["status"] == "sending"
    assert held["attempts"] == 1
    final = _job(sending, job["id"])
    assert final["status"] == "sent"
    assert final["attempts"] == 2
    [message] = inbox(dovecot, to)
    assert message["Message-ID"] == job["messageId"]


def test_a_late_sender_cannot_overwrite_the_new_holder(sending, mail_account):
    ctx = sending.app.state.ctx
    account = mail_account()
    job = send(sending, account, to="a@example.org", subject="X")
    first = outbox.claim_next(ctx)
    _expire_lease(ctx, job["id"])
    second = outbox.claim_next(ctx)

    late = outbox.finish(ctx, first, outbox.Retry("late", 0))

    assert second is not None and second.job_id == first.job_id
    assert late is False
    assert _job(sending, job["id"])["status"] == "sending"


def _one_pass(ctx):
    worker = SenderWorker(ctx)
    worker.run_once()
    worker.wait_idle(10)


def _expire_lease(ctx, job_id):
    with ctx.transaction() as session:
        session.exec(
            update(SendJob)
            .where(SendJob.id == job_id)
            .values(claimed_until=utcnow() - timedelta(seconds=1))
        )


def _claim_concurrently(ctx, threads=4):
    claimed, lock = [], threading.Lock()

    def claim_all():
        for _ in range(100):
            claim = outbox.claim_next(ctx)
            if claim is None:
                return
            with lock:
                claimed.append(claim.job_id)

    workers = [threading.Thread(target=claim_all) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return claimed


def _queue(client, account, count):
    return [
        send(client, account, to="a@example.org", subject=f"n{i}")["id"]
        for i in range(count)
    ]


def test_concurrent_claims_take_each_job_once(sending, mail_account):
    ids = _queue(sending, mail_account(), 20)

    claimed = _claim_concurrently(sending.app.state.ctx)

    assert sorted(claimed) == sorted(ids)


@pytest.fixture
def postgres_database(postgres_url):
    """A fresh database on the local PostgreSQL, dropped afterwards."""
    name = f"mm_sending_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_concurrent_claims_on_postgresql(home, postgres_database):
    settings = settings_for(home, database={"url": postgres_database}, **QUIET)
    with api_client(settings) as client:
        account = client.post("/api/accounts", json=PG_ACCOUNT).json()
        ids = [
            client.post(
                f"/api/accounts/{account['id']}/send",
                json={"to": "a@example.org", "subject": f"n{i}"},
            ).json()["id"]
            for i in range(20)
        ]

        claimed = _claim_concurrently(client.app.state.ctx, threads=6)

    assert sorted(claimed) == sorted(ids)
