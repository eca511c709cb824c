"""Transient failures are retried on the schedule; permanent ones are not."""

import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.sending.helpers import events, inbox, send, wait_final
from tests.support.ports import LOOPBACK, free_port
from tests.support.service import api_client, settings_for


def test_transient_refusal_is_retried_then_sent(
    sending, mail_account, dovecot, smtp_server
):
    account = mail_account()
    to = dovecot.new_user("to")
    smtp_server.fail_next(451, stage="RCPT")

    final = wait_final(sending, send(sending, account, to=to.email, subject="S")["id"])

    assert final["status"] == "sent"
    assert final["attempts"] == 2
    assert "451 4.3.0 Try again later" in final["lastError"]
    assert len(inbox(dovecot, to)) == 1
    assert len(events(sending, "email.sent")) == 1


def test_transient_failures_until_the_schedule_runs_out(
    sending, mail_account, dovecot, smtp_server
):
    account = mail_account()
    to = dovecot.new_user("to")
    smtp_server.fail_next(452, stage="DATA", count=3, text="4.3.1 Out of storage")
    job = send(sending, account, to=to.email, subject="Never")

    final = wait_final(sending, job["id"])

    assert final["status"] == "failed"
    assert final["attempts"] == 3
    assert final["lastError"].startswith("gave up after 3 attempts")
    assert final["smtpResponse"] == "452 4.3.1 Out of storage"
    [event] = events(sending, "email.send_failed")
    assert event["messageId"] == job["messageId"]
    assert "452 4.3.1 Out of storage" in event["error"]
    assert inbox(dovecot, to) == []


def test_permanent_refusal_fails_at_once_with_the_servers_answer(
    sending, mail_account, dovecot, smtp_server
):
    account = mail_account()
    to = dovecot.new_user("to")
    smtp_server.fail_next(550, stage="RCPT", text="5.1.1 no such user")
    job = send(sending, account, to=to.email, bcc="hidden@example.net", subject="X")

    final = wait_final(sending, job["id"])

    assert final["status"] == "failed"
    assert final["attempts"] == 1
    assert final["smtpResponse"] == "550 5.1.1 no such user"
    assert "550 5.1.1 no such user" in final["lastError"]
    [event] = events(sending, "email.send_failed")
    assert "550 5.1.1 no such user" in event["error"]
    assert event["jobId"] == job["id"]
    assert event["to"] == [to.email]
    assert event["subject"] == "X"
    assert "hidden@example.net" not in str(event)
    assert events(sending, "email.sent") == []


def test_permanent_refusal_of_the_content(sending, mail_account, dovecot, smtp_server):
    account = mail_account()
    to = dovecot.new_user("to")
    smtp_server.fail_next(554, stage="DATA", text="5.7.1 Spam detected")

    final = wait_final(sending, send(sending, account, to=to.email, subject="X")["id"])

    assert final["status"] == "failed"
    assert final["attempts"] == 1
    assert final["smtpResponse"] == "554 5.7.1 Spam detected"


def test_wrong_smtp_password_fails_with_an_authentication_error(
    sending, mail_account, dovecot
):
    account = mail_account(smtp={"password": "not-the-password"})
    to = dovecot.new_user("to")

    final = wait_final(sending, send(sending, account, to=to.email, subject="X")["id"])

    assert final["status"] == "failed"
    assert final["attempts"] == 1
    assert "authentication failed" in final["lastError"]
    assert "not-the-password" not in str(final)
    [event] = events(sending, "email.send_failed")
    assert "authentication failed" in event["error"]
    assert inbox(dovecot, to) == []


def test_unreachable_server_is_retried_as_a_connection_error(
    sending, mail_account, dovecot
):
    account = mail_account(smtp={"port": free_port()})

    final = wait_final(
        sending, send(sending, account, to="a@example.org", subject="X")["id"]
    )

    assert final["status"] == "failed"
    assert final["attempts"] == 3
    assert "connection refused" in final["lastError"]


def test_a_job_waiting_to_retry_shows_why_and_when(home, mail_account, smtp_server):
    settings = settings_for(home, sender={"retry_schedule": [0, 600]})
    smtp_server.fail_next(421, stage="MAIL", text="4.7.0 Try later")
    with api_client(settings) as client:
        account = mail_account()
        job = send(client, account, to="a@example.org", subject="Later")

        waiting = _wait_attempts(client, job["id"], 1)

    assert waiting["status"] == "queued"
    assert waiting["retrying"] is True
    assert waiting["maxAttempts"] == 2
    assert "421 4.7.0 Try later" in waiting["lastError"]
    assert waiting["nextAttemptAt"] > waiting["updatedAt"]


def _wait_attempts(client, job_id, attempts):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        job = client.get(f"/api/outbox/{job_id}").json()
        if job["attempts"] == attempts and job["status"] == "queued":
            return job
        time.sleep(0.05)
    raise AssertionError(f"job did not wait after attempt {attempts}: {job}")


class _RefusesSome:
    """SMTP handler: refuses RCPT for addresses starting with 'nobody'."""

    def __init__(self, dovecot):
        self.dovecot = dovecot

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("nobody"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            self.dovecot.deliver(rcpt, envelope.original_content, envelope.mail_from)
        return "250 2.0.0 Accepted"


@pytest.fixture
def refusing_server(dovecot):
    controller = Controller(
        _RefusesSome(dovecot),
        hostname=LOOPBACK,
        port=free_port(),
        auth_require_tls=False,
        authenticator=lambda *args: AuthResult(success=True),
    )
    controller.start()
    yield controller
    controller.stop()


def test_some_recipients_refused_is_sent_to_the_others(
    sending, mail_account, dovecot, refusing_server
):
    port = refusing_server.port
    account = mail_account(smtp={"port": port})
    to = dovecot.new_user("to")
    job = send(
        sending,
        account,
        to=[to.email, "nobody@example.com"],
        bcc="nobody-hidden@example.com",
        subject="Partly",
    )

    final = wait_final(sending, job["id"])

    assert final["status"] == "sent", final["lastError"]
    assert final["refused"] == {
        "nobody@example.com": "550 5.1.1 no such user",
        "nobody-hidden@example.com": "550 5.1.1 no such user",
    }
    assert len(inbox(dovecot, to)) == 1
    [event] = events(sending, "email.sent")
    assert event["refused"] == {"nobody@example.com": "550 5.1.1 no such user"}
