"""The admin API checks the token and the body size before reading the body."""

import httpx
import pytest

from tests.support.service import live_service, settings_for

LIMIT = 64 * 1024


@pytest.fixture
def service(home):
    with live_service(settings_for(home, api={"max_body_bytes": LIMIT})) as live:
        yield live


def test_without_a_token_even_malformed_json_is_a_401(service):
    response = httpx.post(
        f"{service.url}/api/accounts",
        content=b"{",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_without_a_token_a_large_body_is_refused_unread(service):
    response = httpx.post(
        f"{service.url}/api/accounts",
        content=b"[" + b"1," * (4 * LIMIT) + b"1]",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 401


def test_a_body_over_the_limit_is_a_413_by_length_or_by_stream(service):
    def chunks():
        for _ in range(LIMIT // 1024 + 8):
            yield b" " * 1024

    with service.client() as client:
        declared = client.post("/api/accounts", content=b" " * (LIMIT + 1))
        streamed = client.post("/api/accounts", content=chunks())

    for response in (declared, streamed):
        assert response.status_code == 413
        assert "api.maxBodyBytes" in response.json()["detail"]


def test_a_body_under_the_limit_still_reaches_the_route(service):
    with service.client() as client:
        response = client.post("/api/accounts", json={"name": "x"})

    assert response.status_code == 422
    assert "email" in response.json()["detail"]
