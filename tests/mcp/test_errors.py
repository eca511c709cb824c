"""Through MCP against the real service: answers, and failures a model can act on."""

from __future__ import annotations

import socket
import threading

from tests.mcp.adapter import run, text_of
from tests.mcp.conftest import PASSWORD
from tests.support.service import free_port


def _call(url, token, name, arguments=None, extra=None):
    async def use(client):
        return await client.call_tool(name, arguments or {}, raise_on_error=False)

    return run(url, token, use, extra)


def _calls(url, token, calls):
    async def use(client):
        return [
            await client.call_tool(name, args, raise_on_error=False)
            for name, args in calls
        ]

    return run(url, token, use)


def test_list_accounts_shows_the_account_without_its_password(service, account):
    listed, one = _calls(
        service.url,
        service.token,
        [("list_accounts", {}), ("get_account", {"account_id": account["id"]})],
    )

    assert not listed.is_error, text_of(listed)
    items = listed.structured_content["items"]
    assert [a["id"] for a in items] == [account["id"]]
    assert items[0]["email"] == "me@example.com"
    assert one.structured_content["imap"]["host"] == "127.0.0.1"
    for result in (listed, one):
        assert PASSWORD not in text_of(result)
        assert "password" not in text_of(result).lower()


def test_wrong_token_says_how_to_set_the_right_one(service):
    result = _call(service.url, "not-the-token", "list_accounts")

    assert result.is_error
    text = text_of(result)
    assert "MAILING_MANAGER_TOKEN" in text
    assert "`mailing-manager token`" in text
    assert "invalid API token" in text  # the service's own detail
    assert "Traceback" not in text


def test_missing_token_says_how_to_set_it(service):
    result = _call(service.url, None, "list_accounts")

    assert result.is_error
    text = text_of(result)
    assert text.startswith("MAILING_MANAGER_TOKEN is not set")
    assert "`mailing-manager token`" in text


def test_stopped_service_is_one_clear_error():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    result = _call(url, "some-token", "list_accounts")

    assert result.is_error
    assert text_of(result) == (
        f"cannot reach Mailing Manager at {url}: start it with "
        "`mailing-manager server`, or set MAILING_MANAGER_URL to the address it "
        "listens on"
    )


def test_unknown_id_carries_the_service_detail(service):
    result = _call(
        service.url, service.token, "get_account", {"account_id": "acc_missing42"}
    )

    assert result.is_error
    text = text_of(result)
    assert text.startswith("not found: ")
    assert "acc_missing42" in text
    assert "Traceback" not in text


def test_an_id_cannot_reach_another_route(service, account):
    result = _call(
        service.url, service.token, "get_account", {"account_id": "../accounts"}
    )

    assert result.is_error
    assert account["id"] not in text_of(result)


def test_a_url_that_is_not_the_service_is_reported(service):
    result = _call(f"{service.url}/healthz/", service.token, "list_accounts")

    assert result.is_error
    assert "is not a Mailing Manager route: check that MAILING_MANAGER_URL" in (
        text_of(result)
    )


def test_a_server_that_is_not_the_service_is_reported(receiver):
    other = receiver()  # answers 200 with an empty body

    result = _call(other.url, "some-token", "list_accounts")

    assert result.is_error
    assert text_of(result) == (
        f"{other.url} did not answer like Mailing Manager (HTTP 200, no content "
        "type); check that MAILING_MANAGER_URL points at the Mailing Manager service"
    )
    assert [r.path for r in other.requests] == ["/api/accounts?limit=50"]


def test_a_url_with_a_password_is_refused_without_echoing_it(service):
    url = service.url.replace("http://", "http://user:Sekr3t-pw@")

    result = _call(url, service.token, "list_accounts")

    assert result.is_error
    text = text_of(result)
    assert text.startswith("MAILING_MANAGER_URL must not contain a user name or")
    assert "Sekr3t-pw" not in text


def test_a_url_with_an_impossible_port_is_named_invalid():
    result = _call("http://127.0.0.1:99999", "some-token", "list_accounts")

    assert result.is_error
    assert text_of(result).startswith(
        "MAILING_MANAGER_URL is not a valid URL: Port out of range 0-65535"
    )


def test_an_oversized_request_is_refused_before_it_is_sent(service, account):
    arguments = {"account_id": account["id"], "to": "a@example.com", "body": "x" * 2000}

    result = _call(
        service.url,
        service.token,
        "send_email",
        arguments,
        extra={"MAILING_MANAGER_MAX_REQUEST_BYTES": "1000"},
    )

    assert result.is_error
    text = text_of(result)
    assert text.startswith("request too large: ")
    assert "more than the 1000 bytes" in text
    assert "start it" not in text
    with service.client() as http:
        assert http.get("/api/outbox").json()["items"] == []


def test_a_connection_closed_mid_request_is_not_called_unreachable():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)
    port = listener.getsockname()[1]

    def close_first_connection():
        with listener:
            conn, _ = listener.accept()
            with conn:
                conn.recv(1024)  # the request has started: then hang up

    closer = threading.Thread(target=close_first_connection, daemon=True)
    closer.start()
    url = f"http://127.0.0.1:{port}"

    result = _call(url, "some-token", "list_accounts")
    closer.join(30)

    assert result.is_error
    text = text_of(result)
    assert text.startswith(f"Mailing Manager at {url} closed the connection before ")
    assert "start it" not in text
