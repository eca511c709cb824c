"""Mail delivered to a watched mailbox reaches a subscribed webhook, signed."""

import json

from app.kit.signing import hex_signature
from tests.mail.helpers import IMAP_TIMINGS, create_account, message, wait_watching
from tests.support.service import api_client, settings_for

OUTBOUND = {"allowed_networks": ["127.0.0.0/8"], "retry_schedule": [0, 0.2]}


def test_received_mail_is_posted_to_matching_webhooks(home, dovecot, receiver):
    user = dovecot.new_user()
    wanted, ignored = receiver(), receiver()
    settings = settings_for(home, imap=IMAP_TIMINGS, outbound=OUTBOUND)
    with api_client(settings) as api:
        account_id = create_account(api, dovecot, user)
        hooks = {}
        for name, server, filters in (
            ("invoices", wanted, {"subject": "invoice", "from": "*@example.org"}),
            ("other", ignored, {"subject": "no such subject"}),
        ):
            answer = api.post(
                "/api/webhooks/outbound",
                json={
                    "name": name,
                    "url": server.url_for("/hook"),
                    "events": ["email.received"],
                    "filters": filters,
                },
            )
            assert answer.status_code == 201, answer.text
            hooks[name] = answer.json()
        wait_watching(api, account_id)

        dovecot.deliver(user.email, message("Invoice #12 — été", user.email))
        [request] = wanted.wait_for(1)
        other = hooks["other"]["id"]
        ignored_deliveries = api.get(f"/api/webhooks/outbound/{other}/deliveries")

    body = json.loads(request.body)
    assert body["event"] == "email.received"
    assert body["data"]["accountId"] == account_id
    assert body["data"]["subject"] == "Invoice #12 — été"
    assert body["data"]["from"] == "alice@example.org"
    assert request.header("X-Webhook-Signature") == hex_signature(
        hooks["invoices"]["secret"], request.body
    )
    # Filters apply when the event is recorded: no delivery was even queued.
    assert ignored_deliveries.json()["items"] == []
    assert ignored.requests == []
