"""Over real HTTP: client addresses, rate limits, proxies and body size."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.inbound.conftest import SECRET, account_body, guide_webhook, jobs_of
from tests.support.service import live_service, settings_for

AUTH = {"X-Webhook-Secret": SECRET}
SECOND_CLIENT = "127.0.0.2"


def _setup(svc):
    with svc.client() as admin:
        account = admin.post("/api/accounts", json=account_body()).json()
        hook = admin.post("/api/webhooks/inbound", json=guide_webhook(account["id"]))
        assert hook.status_code == 201, hook.text
        return hook.json()


def _client_from(svc, address):
    return svc.client(transport=httpx.HTTPTransport(local_address=address))


def _client_ips(svc, hook):
    with svc.client() as admin:
        url = f"/api/webhooks/inbound/{hook['id']}/invocations"
        return [c["clientIp"] for c in admin.get(url).json()["items"]]


def test_one_budget_per_client_ip_across_all_webhooks(home):
    with live_service(settings_for(home)) as svc:
        hook = _setup(svc)
        url = f"/webhook/{hook['id']}"
        with svc.client() as first:
            statuses = [first.post("/webhook/inb_unknown", json={}).status_code]
            statuses += [
                first.post(url, headers={"X-Webhook-Secret": "guess"}).status_code
                for _ in range(49)
            ]
            statuses += [
                first.post(
                    url, headers=AUTH, json={"to": "a@x.org", "subject": "s"}
                ).status_code
                for _ in range(50)
            ]
            limited = first.post(url, headers=AUTH, json={})
            unknown = first.post("/webhook/inb_unknown", json={})
        with _client_from(svc, SECOND_CLIENT) as second:
            other = second.post(
                url, headers=AUTH, json={"to": "b@x.org", "subject": "s"}
            )

    assert statuses == [404] + [401] * 49 + [202] * 50
    assert limited.status_code == 429
    assert limited.json()["error"] == "TooManyRequests"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert unknown.status_code == 429
    assert other.status_code == 202


def test_forwarded_for_is_ignored_from_an_untrusted_peer(home):
    settings = settings_for(home, webhooks={"trustedProxies": [SECOND_CLIENT]})
    with live_service(settings) as svc:
        hook = _setup(svc)
        forwarded = {**AUTH, "X-Forwarded-For": "203.0.113.7"}
        with svc.client() as direct:
            direct.post(f"/webhook/{hook['id']}", headers=forwarded, json={})
        with _client_from(svc, SECOND_CLIENT) as proxy:
            proxy.post(f"/webhook/{hook['id']}", headers=forwarded, json={})

        assert _client_ips(svc, hook) == ["203.0.113.7", "127.0.0.1"]


def test_the_budget_follows_the_forwarded_client_behind_a_trusted_proxy(home):
    settings = settings_for(
        home,
        webhooks={"trustedProxies": ["127.0.0.1"]},
        rate_limit={"inbound": "2/minute"},
    )
    with live_service(settings) as svc:
        hook = _setup(svc)
        url = f"/webhook/{hook['id']}"
        with svc.client() as proxy:
            as_a = {**AUTH, "X-Forwarded-For": "203.0.113.10"}
            as_b = {**AUTH, "X-Forwarded-For": "203.0.113.11"}
            a_statuses = [proxy.post(url, headers=as_a).status_code for _ in range(3)]
            b_status = proxy.post(url, headers=as_b).status_code

    assert a_statuses == [422, 422, 429]
    assert b_status == 422


def test_a_two_mib_body_is_refused_while_reading(home):
    with live_service(settings_for(home)) as svc:
        hook = _setup(svc)
        big = b'{"to": "' + b"a" * (2 * 1024 * 1024) + b'"}'

        def chunks():
            for start in range(0, len(big), 64 * 1024):
                yield big[start : start + 64 * 1024]

        headers = {**AUTH, "Content-Type": "application/json"}
        with svc.client() as client:
            declared = client.post(
                f"/webhook/{hook['id']}", headers=headers, content=big
            )
            streamed = client.post(
                f"/webhook/{hook['id']}", headers=headers, content=chunks()
            )

    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert "maxBodyBytes" in streamed.json()["detail"]


def test_concurrent_calls_with_one_idempotency_key_queue_one_job(home):
    with live_service(settings_for(home)) as svc:
        hook = _setup(svc)
        headers = {**AUTH, "Idempotency-Key": "race-1"}
        body = {"to": "a@example.com", "subject": "once"}

        def call(_):
            with svc.client() as client:
                answer = client.post(
                    f"/webhook/{hook['id']}", headers=headers, json=body
                )
                return answer.status_code, answer.json()

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(call, range(8)))

        assert {status for status, _ in answers} == {202}
        assert all(answer == answers[0][1] for _, answer in answers)
        assert len(jobs_of(svc.app, answers[0][1]["invocationId"])) == 1


@pytest.mark.redis
def test_redis_storage_shares_one_budget_between_processes(home, redis_url):
    settings = settings_for(
        home,
        webhooks={"trustedProxies": ["127.0.0.1"]},
        rate_limit={"inbound": "3/minute", "storageUri": redis_url},
    )
    # A client address of our own, so earlier runs' counts do not interfere.
    client_ip = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    headers = {"X-Forwarded-For": client_ip}
    with (
        live_service(settings) as one,
        live_service(settings) as two,
        one.client() as a,
        two.client() as b,
    ):
        statuses = [
            client.post("/webhook/inb_unknown", headers=headers).status_code
            for client in (a, b, a, b)
        ]

    assert statuses == [404, 404, 404, 429]
