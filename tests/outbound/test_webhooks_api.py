"""Outbound webhook CRUD: validation, URL rules, secrets never shown twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.outbound.helpers import HOOKS, create_hook
from tests.support.service import api_client, settings_for

GUIDE_WEBHOOK = {
    "type": "outbound",
    "name": "notify-n8n",
    "url": "https://votre-n8n.com/webhook/email-received",
    "events": ["email.received", "email.sent"],
    "secret": "secret-partagé-avec-n8n",
    "filters": {"from": "boss@company.com"},
}


def test_guide_json_is_accepted_as_written(api):
    answer = api.post(HOOKS, json=GUIDE_WEBHOOK)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["secret"] == "secret-partagé-avec-n8n"
    assert body["events"] == ["email.received", "email.sent"]
    assert body["filters"] == {"from": ["boss@company.com"]}
    assert body["enabled"] is True
    assert body["disabledReason"] is None


def test_secret_is_generated_and_never_shown_by_get_or_list(api):
    created = create_hook(api, "https://hooks.example.com/in")
    secret = created["secret"]

    shown = api.get(f"{HOOKS}/{created['id']}")
    listed = api.get(HOOKS)

    assert secret.startswith("whsec_") and len(secret) >= 6 + 32
    assert secret not in shown.text and "secret" not in shown.json()
    assert secret not in listed.text
    assert [h["id"] for h in listed.json()["items"]] == [created["id"]]


def test_reveal_and_rotate_show_the_secret(api):
    created = create_hook(api, "https://hooks.example.com/in", secret="first")

    revealed = api.post(f"{HOOKS}/{created['id']}/reveal-secret").json()
    rotated = api.post(f"{HOOKS}/{created['id']}/rotate-secret", json={"secret": "two"})
    generated = api.post(f"{HOOKS}/{created['id']}/rotate-secret")

    assert revealed["secret"] == "first"
    assert rotated.json()["secret"] == "two"
    assert rotated.json()["previousSecretExpiresAt"] is not None
    assert generated.json()["secret"].startswith("whsec_")
    shown = api.get(f"{HOOKS}/{created['id']}").json()
    assert shown["secretRotatingUntil"] is not None


def test_rotate_answer_says_which_secret_signs_which_header(api):
    created = create_hook(api, "https://hooks.example.com/in", secret="first")
    path = f"{HOOKS}/{created['id']}/rotate-secret"

    graced = api.post(path, json={"secret": "two", "graceHours": 2}).json()
    at_once = api.post(path, json={"secret": "three", "graceHours": 0}).json()
    shown = api.get(f"{HOOKS}/{created['id']}").json()

    until = datetime.fromisoformat(graced["previousSecretExpiresAt"])
    assert timedelta(minutes=119) < until - datetime.now(UTC) <= timedelta(hours=2)
    assert graced["headerKeys"] == {
        "X-Webhook-Signature": ["previous"],
        "webhook-signature": ["new", "previous"],
    }
    assert graced["previousSecretExpiresAt"][:19] in graced["note"]
    assert at_once["previousSecretExpiresAt"] is None
    assert at_once["headerKeys"] == {
        "X-Webhook-Signature": ["new"],
        "webhook-signature": ["new"],
    }
    assert shown["secretRotatingUntil"] is None


@pytest.mark.parametrize("hours", [-1, 169, "soon"])
def test_grace_hours_out_of_range_are_refused(api, hours):
    created = create_hook(api, "https://hooks.example.com/in", secret="first")

    answer = api.post(
        f"{HOOKS}/{created['id']}/rotate-secret", json={"graceHours": hours}
    )

    assert answer.status_code == 422
    assert answer.json()["error"] == "ValidationError"
    assert "graceHours" in answer.json()["detail"]
    revealed = api.post(f"{HOOKS}/{created['id']}/reveal-secret").json()
    assert revealed["secret"] == "first"


def test_unknown_events_are_refused_listing_the_valid_ones(api):
    answer = api.post(
        HOOKS, json={"name": "x", "url": "https://h.example/", "events": ["mail.new"]}
    )

    assert answer.status_code == 422
    assert answer.json()["error"] == "ValidationError"
    assert "'mail.new'" in answer.json()["detail"]
    assert "email.received" in answer.json()["detail"]


def test_star_or_empty_means_every_event(api):
    star = create_hook(api, "https://h.example/", events=["*"])

    assert star["events"] == []


def test_unknown_filter_keys_are_refused(api):
    answer = api.post(
        HOOKS,
        json={"name": "x", "url": "https://h.example/", "filters": {"sender": "a"}},
    )

    assert answer.status_code == 422
    assert "'sender'" in answer.json()["detail"]
    assert "subject" in answer.json()["detail"]


def test_metadata_url_is_refused_even_with_link_local_allowed(home):
    outbound = {"allowed_networks": ["169.254.0.0/16", "127.0.0.0/8"]}
    with api_client(settings_for(home, outbound=outbound)) as client:
        answer = client.post(
            HOOKS, json={"name": "x", "url": "http://169.254.169.254/latest"}
        )

    assert answer.status_code == 422
    assert answer.json()["error"] == "UnsafeUrl"
    assert "metadata" in answer.json()["detail"]


def test_localhost_is_refused_without_allowed_networks(api):
    answer = api.post(HOOKS, json={"name": "x", "url": "http://localhost:8080/hook"})

    assert answer.status_code == 422
    assert (
        "MAILING_MANAGER_OUTBOUND__ALLOWED_NETWORKS='[\"127.0.0.0/8\"]'"
        in answer.json()["detail"]
    )


def test_localhost_is_accepted_with_loopback_allowed(home):
    outbound = {"allowed_networks": ["127.0.0.0/8"]}
    with api_client(settings_for(home, outbound=outbound)) as client:
        created = create_hook(client, "http://localhost:8080/hook")

    assert created["url"] == "http://localhost:8080/hook"


def test_plain_http_to_public_host_is_refused(api):
    answer = api.post(HOOKS, json={"name": "x", "url": "http://hooks.example.com/"})

    assert answer.status_code == 422
    assert "REQUIRE_HTTPS" in answer.json()["detail"]


def test_credentials_in_url_are_refused(api):
    answer = api.post(
        HOOKS, json={"name": "x", "url": "https://u:p@hooks.example.com/"}
    )

    assert answer.status_code == 422


def test_patch_changes_fields_and_rechecks_the_url(api):
    created = create_hook(api, "https://h.example/", description="before")
    path = f"{HOOKS}/{created['id']}"

    patched = api.patch(
        path, json={"name": "renamed", "filters": {"subject": "urgent"}}
    )
    unsafe = api.patch(path, json={"url": "https://10.0.0.1/"})
    secret = api.patch(path, json={"secret": "nope"})

    assert patched.status_code == 200
    assert patched.json()["name"] == "renamed"
    assert patched.json()["description"] == "before"
    assert patched.json()["filters"] == {"subject": ["urgent"]}
    assert unsafe.status_code == 422
    assert secret.status_code == 422


def test_delete_then_get_is_404(api):
    created = create_hook(api, "https://h.example/")

    deleted = api.delete(f"{HOOKS}/{created['id']}")
    missing = api.get(f"{HOOKS}/{created['id']}")

    assert deleted.status_code == 204
    assert missing.status_code == 404
    assert missing.json()["error"] == "NotFound"


def test_routes_have_tool_like_operation_ids(api):
    spec = api.get("/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}

    assert {
        "list_outbound_webhooks",
        "create_outbound_webhook",
        "get_outbound_webhook",
        "update_outbound_webhook",
        "delete_outbound_webhook",
        "rotate_webhook_secret",
        "test_webhook",
        "list_deliveries",
        "get_delivery",
        "resend_delivery",
        "resend_failed_deliveries",
        "list_events",
    } <= ids
