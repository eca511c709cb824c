"""End-to-end latency of the two webhook paths, on real local servers.

  received: a message delivered into a watched Dovecot INBOX (LMTP) until the
            signed `email.received` POST reaches a receiver on 127.0.0.1.
  sent:     a POST to an inbound webhook until the email is in the recipient's
            Dovecot mailbox (SMTP through the test relay, then LMTP).

Dovecot batches IDLE notifications for about half a second after a mailbox
changes, so most of the `received` figure is the IMAP server's, not ours.

Usage: .venv/bin/python bench/latency.py [--count 20]
Everything runs on loopback; the run is bounded by --count and a 20 s wait each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.dovecot import DovecotServer
from tests.support.receiver import HttpReceiver
from tests.support.service import live_service, settings_for
from tests.support.smtp import SmtpServer

WAIT_SECONDS = 20.0


def message(n: int, recipient: str) -> bytes:
    return (
        f"From: Boss <boss@company.com>\r\nTo: {recipient}\r\n"
        f"Subject: bench {n}\r\nMessage-ID: <bench-{n}@company.com>\r\n\r\n"
        f"body {n}\r\n"
    ).encode()


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    return (
        f"{name:9s} n={len(ms)}  median={statistics.median(ms):7.1f} ms  "
        f"p95={p95:7.1f} ms  max={ms[-1]:7.1f} ms"
    )


def account_body(user, smtp: SmtpServer, dovecot: DovecotServer) -> dict:
    def server(host, port):
        return {
            "host": host,
            "port": port,
            "security": "none",
            "password": user.password,
        }

    return {
        "name": "bench",
        "email": user.email,
        "imap": server(dovecot.host, dovecot.imap_port),
        "smtp": server(smtp.host, smtp.port),
    }


def wait_until(predicate, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        time.sleep(0.005)


def bench_received(client, dovecot, user, receiver, count: int) -> list[float]:
    samples = []
    for n in range(count):
        before = len(receiver.requests)
        start = time.monotonic()
        dovecot.deliver(user.email, message(n, user.email))
        wait_until(lambda: len(receiver.requests) > before)  # noqa: B023
        samples.append(receiver.requests[-1].received_at - start)
    return samples


def bench_sent(client, service_url, hook, dovecot, rcpt, count: int) -> list[float]:
    samples = []
    for n in range(count):
        start = time.monotonic()
        answer = client.post(
            f"{service_url}/webhook/{hook['id']}",
            headers={"X-Webhook-Secret": hook["secret"]},
            json={"to": rcpt.email, "subject": f"sent {n}", "body": "hello"},
        )
        answer.raise_for_status()
        wait_until(
            lambda: len(dovecot.fetch_all(rcpt.email, rcpt.password)) > n  # noqa: B023
        )
        samples.append(time.monotonic() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    count = max(1, min(parser.parse_args().count, 500))
    home = Path(tempfile.mkdtemp(prefix="mm-bench-"))
    os.environ["MAILING_MANAGER_HOME"] = str(home)
    settings = settings_for(
        home, outbound={"allowed_networks": ["127.0.0.0/8"]}, log_level="warning"
    )
    with DovecotServer() as dovecot, SmtpServer(dovecot) as smtp, HttpReceiver() as rx:
        user, rcpt = dovecot.new_user("bench"), dovecot.new_user("rcpt")
        with live_service(settings) as service, service.client() as client:
            account = client.post(
                "/api/accounts", json=account_body(user, smtp, dovecot)
            ).json()
            client.post(
                "/api/webhooks/outbound",
                json={
                    "name": "bench",
                    "url": rx.url,
                    "events": ["email.received"],
                },
            ).raise_for_status()
            hook = client.post(
                "/api/webhooks/inbound",
                json={
                    "name": "bench",
                    "actions": [{"type": "send_email", "accountId": account["id"]}],
                },
            ).json()
            wait_until(
                lambda: (
                    client.get(f"/api/accounts/{account['id']}/status")
                    .json()
                    .get("idle")
                )
            )
            received = bench_received(client, dovecot, user, rx, count)
            sent = bench_sent(client, service.url, hook, dovecot, rcpt, count)
    print(summary("received", received))
    print(summary("sent", sent))


if __name__ == "__main__":
    main()
