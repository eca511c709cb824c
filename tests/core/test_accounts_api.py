import sqlite3

import pytest

PASSWORD = "s3cret-Pässword-42"
# Line breaks str.splitlines() knows besides CR and LF: never in a From header.
OTHER_BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def _account_body(**extra):
    body = {
        "name": "Work",
        "email": "me@example.com",
        "imap": {
            "host": "127.0.0.1",
            "port": 1143,
            "security": "none",
            "password": PASSWORD,
        },
        "smtp": {
            "host": "127.0.0.1",
            "port": 1025,
            "security": "none",
            "password": PASSWORD,
        },
    }
    body.update(extra)
    return body


def test_create_list_get_update_delete(api):
    created = api.post("/api/accounts", json=_account_body())
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["imap"] == {
        "host": "127.0.0.1",
        "port": 1143,
        "security": "none",
        "username": "me@example.com",
        "tlsVerify": True,
    }
    assert account["folders"] == ["INBOX"]

    listed = api.get("/api/accounts").json()
    assert [a["id"] for a in listed["items"]] == [account["id"]]

    patched = api.patch(
        f"/api/accounts/{account['id']}",
        json={"name": "Home", "smtp": {"security": "starttls"}},
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "Home"
    assert patched.json()["smtp"]["port"] == 587
    assert patched.json()["imap"]["port"] == 1143

    assert api.delete(f"/api/accounts/{account['id']}").status_code == 204
    missing = api.get(f"/api/accounts/{account['id']}")
    assert missing.status_code == 404
    assert account["id"] in missing.json()["detail"]


def test_passwords_never_in_responses_or_database_file(api, home):
    created = api.post("/api/accounts", json=_account_body()).json()
    api.patch(
        f"/api/accounts/{created['id']}", json={"imap": {"password": PASSWORD + "-new"}}
    )
    texts = [
        api.get("/api/accounts").text,
        api.get(f"/api/accounts/{created['id']}").text,
        api.get("/openapi.json").text,
    ]

    assert not any(PASSWORD in t for t in texts)
    raw = b""
    for path in home.glob("mailing-manager.db*"):
        raw += path.read_bytes()
    assert PASSWORD.encode() not in raw
    assert "Pässword".encode() not in raw
    with sqlite3.connect(home / "mailing-manager.db") as conn:
        stored = conn.execute("select imap_password_enc from accounts").fetchone()[0]
    assert stored.startswith("gAAAAA")  # a Fernet token


def test_bad_input_names_the_fields(api):
    response = api.post(
        "/api/accounts", json={"name": "x", "email": "nope", "imap": {"host": "a b"}}
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    for field in ("email", "imap.host", "imap.password", "smtp"):
        assert field in detail


def test_unknown_field_is_refused(api):
    response = api.post("/api/accounts", json=_account_body(colour="blue"))

    assert response.status_code == 422
    assert "colour" in response.json()["detail"]


def test_malformed_cursor_is_a_400(api):
    response = api.get("/api/accounts", params={"cursor": "%%%"})

    assert response.status_code == 400
    assert "nextCursor" in response.json()["detail"]


def test_display_name_with_a_line_break_is_refused(api):
    response = api.post(
        "/api/accounts", json=_account_body(displayName="Me\r\nBcc: evil@example.com")
    )

    assert response.status_code == 422
    assert (
        "display_name" in response.json()["detail"]
        or "displayName" in (response.json()["detail"])
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[("displayName", f"Me{c}Bcc: evil@example.com") for c in OTHER_BREAKS],
        *[("email", f"me{c}@example.com") for c in OTHER_BREAKS],
        ("displayName", "=?utf-8?q?Me=0D=0ABcc:_evil@example.com?="),
    ],
    ids=ascii,
)
def test_from_parts_with_any_line_break_are_refused(api, field, value):
    response = api.post("/api/accounts", json=_account_body(**{field: value}))

    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")
    assert api.get("/api/accounts").json()["items"] == []


def test_from_parts_with_any_line_break_are_refused_on_update(api):
    account = api.post("/api/accounts", json=_account_body()).json()

    response = api.patch(
        f"/api/accounts/{account['id']}", json={"displayName": "Me\u2028Bcc: x@y.org"}
    )

    assert response.status_code == 422
    assert api.get(f"/api/accounts/{account['id']}").json()["displayName"] is None


def test_crafted_cursor_without_a_time_zone_is_a_400(api):
    import base64

    cursor = base64.urlsafe_b64encode(b"2026-12-04|acc_x").decode()

    response = api.get("/api/accounts", params={"cursor": cursor})

    assert response.status_code == 400


def test_patch_with_null_for_a_required_field_is_a_422(api):
    account = api.post("/api/accounts", json=_account_body()).json()

    for field in ("name", "email", "enabled", "folders", "imap"):
        response = api.patch(f"/api/accounts/{account['id']}", json={field: None})
        assert response.status_code == 422, (field, response.text)
        assert field in response.json()["detail"]
    cleared = api.patch(f"/api/accounts/{account['id']}", json={"sentFolder": None})
    assert cleared.status_code == 200


def test_patch_checks_fields_as_creation_does(api):
    account = api.post("/api/accounts", json=_account_body()).json()
    bad = {
        "smtp": {"host": "bad host/with path", "username": "a\r\nb"},
        "folders": ["INBOX\r\nX"],
        "sentFolder": "\u0000",
        "name": "   ",
    }

    response = api.patch(f"/api/accounts/{account['id']}", json=bad)

    assert response.status_code == 422
    detail = response.json()["detail"]
    for field in ("smtp.host", "smtp.username", "folders.0", "sentFolder", "name"):
        assert field in detail or field.replace("F", "_f") in detail, field
    assert api.get(f"/api/accounts/{account['id']}").json()["name"] == "Work"


def test_an_empty_folder_list_is_refused(api):
    response = api.post("/api/accounts", json=_account_body(folders=[]))

    assert response.status_code == 422
    assert "folders" in response.json()["detail"]


def test_folder_names_with_line_breaks_are_refused(api):
    bad = {"folders": ["INBOX", "Sent\r\nX CREATE P"]}
    created = api.post("/api/accounts", json=_account_body(**bad))
    sent = api.post("/api/accounts", json=_account_body(sentFolder="Sent\x00"))
    account_id = api.post("/api/accounts", json=_account_body()).json()["id"]
    patched = api.patch(f"/api/accounts/{account_id}", json={"folders": ["A\nB"]})
    patched_sent = api.patch(f"/api/accounts/{account_id}", json={"sentFolder": "\r"})

    for response, field in [
        (created, "folders"),
        (sent, "sent"),
        (patched, "folders"),
        (patched_sent, "sent"),
    ]:
        assert response.status_code == 422, response.text
        assert field in response.json()["detail"].lower()
        assert "line breaks" in response.json()["detail"]
    assert api.get(f"/api/accounts/{account_id}").json()["folders"] == ["INBOX"]


def test_metadata_and_link_local_hosts_are_refused(api):
    for host in ("169.254.169.254", "metadata.google.internal", "[fe80::1]"):
        body = _account_body()
        body["imap"]["host"] = host

        response = api.post("/api/accounts", json=body)

        assert response.status_code == 422, host
        assert "metadata" in response.json()["detail"]
