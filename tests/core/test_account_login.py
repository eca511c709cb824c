"""`POST /api/accounts/{id}/test` against the real test servers."""

import pytest


def _account(dovecot, smtp_server, email, password, **imap_extra):
    def server(port):
        return {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "password": password,
        }

    return {
        "name": "Login",
        "email": email,
        "imap": {**server(dovecot.imap_port), **imap_extra},
        "smtp": server(smtp_server.port),
    }


@pytest.mark.parametrize("password", ["plain-ascii-42", "Pässwörd-日本-42"])
def test_both_servers_accept_the_login(api, dovecot, smtp_server, password):
    user = dovecot.add_user(f"login-{len(password)}@example.com", password)
    account = api.post(
        "/api/accounts", json=_account(dovecot, smtp_server, user.email, password)
    ).json()

    result = api.post(f"/api/accounts/{account['id']}/test").json()

    assert result["ok"] is True, result
    assert result["imap"]["ok"] and result["smtp"]["ok"]


def test_wrong_password_is_reported_as_authentication(api, dovecot, smtp_server):
    user = dovecot.new_user("wrongpw")
    account = api.post(
        "/api/accounts",
        json=_account(dovecot, smtp_server, user.email, "not-the-password"),
    ).json()

    result = api.post(f"/api/accounts/{account['id']}/test").json()

    assert result["ok"] is False
    assert result["imap"]["error"] == "authentication"
    assert result["smtp"]["error"] == "authentication"
    assert "not-the-password" not in str(result)


def test_closed_port_is_reported_as_connection(api, dovecot, smtp_server):
    user = dovecot.new_user("closed")
    body = _account(dovecot, smtp_server, user.email, user.password, port=1)

    account = api.post("/api/accounts", json=body).json()
    result = api.post(f"/api/accounts/{account['id']}/test").json()

    assert result["imap"] == {
        "ok": False,
        "error": "connection",
        "detail": "IMAP 127.0.0.1:1: connection refused; is the server running "
        "on that port?",
    }
    assert result["smtp"]["ok"] is True
