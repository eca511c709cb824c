"""Deliveries to real HTTP receivers on 127.0.0.1: bodies, signatures, retries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from app.kit import jsonbody, signing
from app.kit.ids import utcnow
from app.kit.signing import hex_signature
from app.models import OutboundWebhook
from tests.outbound.helpers import (
    HOOKS,
    create_hook,
    deliveries,
    record,
    verify_standard,
    wait_for_hook,
    wait_for_status,
)
from tests.outbound.test_jsonbody import TRICKY
from tests.support.receiver import Reply


def received_email(subject: str, sender: str = "boss@company.com") -> dict:
    return {
        "accountId": "acc_1",
        "folder": "INBOX",
        "uid": 42,
        "messageId": "<m1@company.com>",
        "from": sender,
        "fromName": "Boss",
        "to": ["me@example.com"],
        "cc": [],
        "subject": subject,
        "text": f"Body of {subject}",
        "attachments": [
            {"filename": "a.pdf", "contentType": "application/pdf", "size": 1234}
        ],
    }


def test_every_delivery_verifies_with_node_and_standardwebhooks(
    outbound_api, receiver, node_receiver
):
    node = node_receiver("secret-partagé")
    recorder = receiver()
    node_hook = create_hook(outbound_api, node.url_for("/n8n"), secret="secret-partagé")
    std_hook = create_hook(outbound_api, recorder.url_for("/std"))

    event_ids = [
        record(outbound_api, "email.received", received_email(s)) for s in TRICKY
    ]

    results = node.wait_for(len(TRICKY))
    assert [r["reason"] for r in results] == ["ok"] * len(TRICKY)
    requests = recorder.wait_for(len(TRICKY))
    for request in requests:
        body = verify_standard(std_hook["secret"], request)
        assert request.header("X-Webhook-Signature") == hex_signature(
            std_hook["secret"], request.body
        )
        assert request.header("webhook-id") == body["id"]
        assert request.header("X-Webhook-Event") == "email.received"
        assert request.header("Content-Type") == "application/json"
        assert request.header("User-Agent").startswith("mailing-manager/")
        assert list(body) == ["id", "event", "timestamp", "data"]
    subjects = [json.loads(r.body)["data"]["subject"] for r in requests]
    # A surrogate pair held as two code points arrives as the one character.
    assert sorted(subjects) == sorted(json.loads(jsonbody.dumps(s)) for s in TRICKY)
    assert sorted(json.loads(r.body)["id"] for r in requests) == sorted(event_ids)
    for hook in (node_hook, std_hook):
        for delivery in deliveries(outbound_api, hook["id"]):
            done = wait_for_status(outbound_api, delivery["id"], "delivered")
            assert done["status"] == "delivered"


def test_500_500_200_is_delivered_on_the_third_attempt(outbound_api, receiver):
    server = receiver([500, 500, 200])
    hook = create_hook(outbound_api, server.url_for("/flaky"))

    record(outbound_api, "email.sent", {"subject": "retry me"})

    requests = server.wait_for(3)
    [delivery] = deliveries(outbound_api, hook["id"])
    delivery = wait_for_status(outbound_api, delivery["id"], "delivered")
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 500, 200]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2, 3]
    assert delivery["attempts"][0]["error"] == "HTTP 500"
    assert len({r.header("webhook-id") for r in requests}) == 1
    assert len({r.body for r in requests}) == 1
    assert (
        wait_for_hook(outbound_api, hook["id"], lambda h: h["lastSuccessAt"])[
            "failingSince"
        ]
        is None
    )


def test_schedule_exhausted_fails_the_delivery(outbound_api, receiver):
    server = receiver(default=503)
    hook = create_hook(outbound_api, server.url_for("/down"))

    record(outbound_api, "email.sent", {"subject": "never"})

    server.wait_for(4)
    [delivery] = deliveries(outbound_api, hook["id"])
    delivery = wait_for_status(outbound_api, delivery["id"], "failed")
    assert delivery["status"] == "failed"
    assert delivery["attemptCount"] == 4
    assert delivery["lastStatusCode"] == 503
    shown = outbound_api.get(f"{HOOKS}/{hook['id']}").json()
    assert shown["failingSince"] is not None and shown["enabled"] is True


def test_410_disables_the_webhook_with_a_reason(outbound_api, receiver):
    server = receiver([410])
    hook = create_hook(outbound_api, server.url_for("/gone"))

    record(outbound_api, "email.sent", {"subject": "first"})

    shown = wait_for_hook(outbound_api, hook["id"], lambda h: not h["enabled"])
    assert shown["enabled"] is False
    assert "410" in shown["disabledReason"]
    assert shown["disabledAt"] is not None
    [delivery] = deliveries(outbound_api, hook["id"])
    assert wait_for_status(outbound_api, delivery["id"], "failed")["status"] == "failed"
    record(outbound_api, "email.sent", {"subject": "second"})
    assert len(deliveries(outbound_api, hook["id"])) == 1
    assert len(server.requests) == 1
    resend = outbound_api.post(f"/api/deliveries/{delivery['id']}/resend")
    assert resend.status_code == 409
    assert '{"enabled": true}' in resend.json()["detail"]


def test_retry_after_is_honoured(outbound_api, receiver):
    server = receiver([Reply(503, headers={"Retry-After": "1"}), 200])
    hook = create_hook(outbound_api, server.url_for("/busy"))

    record(outbound_api, "email.sent", {"subject": "later"})

    first, second = server.wait_for(2, timeout=10)
    assert second.received_at - first.received_at >= 1.0
    [delivery] = deliveries(outbound_api, hook["id"])
    assert wait_for_status(outbound_api, delivery["id"], "delivered")["status"] == (
        "delivered"
    )


def test_redirects_are_not_followed(outbound_api, receiver):
    target = receiver()
    server = receiver(default=Reply(302, headers={"Location": target.url_for("/")}))
    hook = create_hook(outbound_api, server.url_for("/moved"))

    record(outbound_api, "email.sent", {"subject": "moved"})

    server.wait_for(4)
    [delivery] = deliveries(outbound_api, hook["id"])
    delivery = wait_for_status(outbound_api, delivery["id"], "failed")
    assert delivery["attempts"][0]["statusCode"] == 302
    assert "not followed" in delivery["attempts"][0]["error"]
    assert target.requests == []


def test_response_excerpt_is_kept_up_to_1_kib(outbound_api, receiver):
    server = receiver([Reply(500, body=b"x" * 5000), 200])
    hook = create_hook(outbound_api, server.url_for("/big"))

    record(outbound_api, "email.sent", {"subject": "excerpt"})

    server.wait_for(2)
    [delivery] = deliveries(outbound_api, hook["id"])
    delivery = wait_for_status(outbound_api, delivery["id"], "delivered")
    assert delivery["attempts"][0]["responseExcerpt"] == "x" * 1024
    assert delivery["attempts"][0]["durationMs"] >= 0


def test_filters_choose_the_events_a_webhook_gets(outbound_api, receiver):
    server = receiver()
    boss = create_hook(
        outbound_api,
        server.url_for("/boss"),
        events=["email.received"],
        filters={"from": "Boss@Company.com", "folder": "INBOX"},
    )
    domain = create_hook(
        outbound_api, server.url_for("/domain"), filters={"from": "*@company.com"}
    )
    subject = create_hook(
        outbound_api,
        server.url_for("/subject"),
        filters={"subject": ["URGENT", "facture"], "accountId": "acc_1"},
    )

    record(outbound_api, "email.received", received_email("Urgent: call me"))
    record(outbound_api, "email.received", received_email("hi", "ann@company.com"))
    record(outbound_api, "email.received", received_email("spam", "x@other.org"))

    server.wait_for(4)
    for hook, expected in ((boss, 1), (domain, 2), (subject, 1)):
        assert len(deliveries(outbound_api, hook["id"])) == expected
    paths = sorted(r.path for r in server.requests)
    assert paths == ["/boss", "/domain", "/domain", "/subject"]
    boss_body = json.loads(next(r for r in server.requests if r.path == "/boss").body)
    assert boss_body["data"]["from"] == "boss@company.com"


def rotate(client, hook: dict, secret: str, **fields) -> dict:
    answer = client.post(
        f"{HOOKS}/{hook['id']}/rotate-secret", json={"secret": secret, **fields}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_during_grace_hex_keeps_the_old_secret_and_standard_has_both(
    outbound_api, receiver, node_receiver
):
    old, new = "ancien-secret-partagé", "nouveau-secret-partagé"
    node = node_receiver(old)
    recorder = receiver()
    node_hook = create_hook(outbound_api, node.url_for("/guide"), secret=old)
    std_hook = create_hook(outbound_api, recorder.url_for("/std"), secret=old)
    for hook in (node_hook, std_hook):
        rotate(outbound_api, hook, new)

    record(outbound_api, "email.sent", {"subject": "rotating é"})

    [result] = node.wait_for(1)
    assert result["reason"] == "ok"
    [request] = recorder.wait_for(1)
    assert len(request.header("webhook-signature").split(" ")) == 2
    verify_standard(old, request)
    verify_standard(new, request)
    assert request.header("X-Webhook-Signature") == hex_signature(old, request.body)


def test_after_grace_only_the_new_secret_signs(outbound_api, receiver):
    old, new = "ancien-secret", signing.generate_secret()
    recorder = receiver()
    hook = create_hook(outbound_api, recorder.url_for("/after"), secret=old)
    rotate(outbound_api, hook, new, graceHours=1)
    ctx = outbound_api.app.state.ctx
    with ctx.transaction() as session:
        webhook = session.get(OutboundWebhook, hook["id"])
        webhook.previous_secret_expires_at = utcnow() - timedelta(seconds=1)

    record(outbound_api, "email.sent", {"subject": "after grace"})

    [request] = recorder.wait_for(1)
    assert request.header("X-Webhook-Signature") == hex_signature(new, request.body)
    verify_standard(new, request)
    with pytest.raises(WebhookVerificationError):
        verify_standard(old, request)


def test_zero_grace_switches_both_headers_at_once(
    outbound_api, receiver, node_receiver
):
    old, new = "ancien-secret-partagé", "nouveau-secret-partagé"
    node = node_receiver(new)
    recorder = receiver()
    node_hook = create_hook(outbound_api, node.url_for("/guide"), secret=old)
    std_hook = create_hook(outbound_api, recorder.url_for("/std"), secret=old)
    for hook in (node_hook, std_hook):
        rotated = rotate(outbound_api, hook, new, graceHours=0)
        assert rotated["previousSecretExpiresAt"] is None

    record(outbound_api, "email.sent", {"subject": "switched"})

    [result] = node.wait_for(1)
    assert result["reason"] == "ok"
    [request] = recorder.wait_for(1)
    assert len(request.header("webhook-signature").split(" ")) == 1
    verify_standard(new, request)
    with pytest.raises(WebhookVerificationError):
        verify_standard(old, request)
    assert request.header("X-Webhook-Signature") == hex_signature(new, request.body)


def test_resend_one_and_all_failed_since(outbound_api, receiver):
    server = receiver([500] * 8, default=200)
    hook = create_hook(outbound_api, server.url_for("/later"))
    start = outbound_api.get(f"{HOOKS}/{hook['id']}").json()["createdAt"]
    record(outbound_api, "email.sent", {"subject": "one"})
    record(outbound_api, "email.sent", {"subject": "two"})
    server.wait_for(8)
    first, second = deliveries(outbound_api, hook["id"])
    for delivery in (first, second):
        wait_for_status(outbound_api, delivery["id"], "failed")

    resent = outbound_api.post(f"/api/deliveries/{first['id']}/resend")
    done = wait_for_status(outbound_api, first["id"], "delivered")
    count = outbound_api.post(
        "/api/deliveries/resend", json={"webhookId": hook["id"], "since": start}
    )

    assert resent.status_code == 200
    assert done["attemptCount"] == 5
    assert count.json() == {"count": 1}
    assert wait_for_status(outbound_api, second["id"], "delivered")["status"] == (
        "delivered"
    )
    ids = [r.header("webhook-id") for r in server.requests]
    assert set(ids) == {first["eventId"], second["eventId"]}
    assert len(server.requests) == 10


def test_test_webhook_reaches_a_webhook_not_subscribed_to_it(outbound_api, receiver):
    server = receiver()
    hook = create_hook(outbound_api, server.url_for("/t"), events=["email.sent"])
    other = create_hook(outbound_api, server.url_for("/other"))

    answer = outbound_api.post(f"{HOOKS}/{hook['id']}/test", params={"wait": 10})

    assert answer.status_code == 200
    body = answer.json()
    assert body["delivery"]["status"] == "delivered"
    assert body["delivery"]["attempts"][0]["statusCode"] == 200
    [request] = server.requests
    assert request.path == "/t"
    assert request.header("X-Webhook-Event") == "webhook.test"
    assert request.header("webhook-id") == body["eventId"]
    assert deliveries(outbound_api, other["id"]) == []


def test_timeouts_are_retried(home, receiver):
    from tests.outbound.helpers import FAST_OUTBOUND
    from tests.support.service import api_client, settings_for

    server = receiver([Reply(200, delay=1.5)], default=200)
    outbound = {**FAST_OUTBOUND, "timeout_seconds": 0.3}
    with api_client(settings_for(home, outbound=outbound)) as client:
        hook = create_hook(client, server.url_for("/slow"))
        record(client, "email.sent", {"subject": "slow"})
        [delivery] = deliveries(client, hook["id"])
        delivery = wait_for_status(client, delivery["id"], "delivered")

    assert delivery["attempts"][0]["statusCode"] is None
    assert "timed out" in delivery["attempts"][0]["error"]
    assert delivery["attempts"][1]["statusCode"] == 200
