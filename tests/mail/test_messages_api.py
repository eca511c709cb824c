import base64
from email.message import EmailMessage

import pytest

from tests.mail.helpers import account_body, create_account, message
from tests.support.ports import free_port


@pytest.fixture
def mailbox(api, dovecot):
    """A fresh user with three INBOX messages and one in Archive; the account."""
    user = dovecot.new_user()
    dovecot.deliver(user.email, message("Invoice 1", user.email))
    dovecot.deliver(user.email, with_attachment("Invoice 2", user.email))
    dovecot.deliver(user.email, message("Lunch? été", user.email))
    dovecot.append(user.email, user.password, "Archive", message("Old", user.email))
    account_id = create_account(api, dovecot, user, enabled=False)
    return user, account_id


def with_attachment(subject: str, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Billing <billing@example.net>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("See the PDF.\n")
    msg.add_alternative("<p>See the <b>PDF</b>.</p>", subtype="html")
    msg.add_attachment(
        b"%PDF-1.4 " * 50, maintype="application", subtype="pdf", filename="i2.pdf"
    )
    return msg.as_bytes()


def flags(dovecot, user, folder="INBOX") -> list[bytes]:
    with dovecot.imap(user.email, user.password) as client:
        client.select(folder, readonly=True)
        _, data = client.uid("FETCH", "1:*", "(FLAGS)")
    return data


def test_list_folders_with_counts(api, mailbox):
    _, account_id = mailbox

    response = api.get(f"/api/accounts/{account_id}/folders")

    assert response.status_code == 200
    folders = {f["name"]: f for f in response.json()["items"]}
    assert folders["INBOX"]["messages"] == 3
    assert folders["INBOX"]["unseen"] == 3
    assert folders["Archive"]["messages"] == 1
    assert folders["INBOX"]["delimiter"]


def test_list_is_newest_first_and_paginates_by_uid(api, mailbox):
    _, account_id = mailbox
    url = f"/api/accounts/{account_id}/messages"

    first = api.get(url, params={"limit": 2}).json()
    second = api.get(url, params={"limit": 2, "cursor": first["nextCursor"]}).json()

    assert [m["subject"] for m in first["items"]] == ["Lunch? été", "Invoice 2"]
    assert [m["subject"] for m in second["items"]] == ["Invoice 1"]
    assert second["nextCursor"] is None
    summary = first["items"][1]
    assert summary["from"] == "billing@example.net"
    assert summary["fromName"] == "Billing"
    assert summary["hasAttachments"] is True
    assert summary["seen"] is False
    assert isinstance(summary["size"], int) and summary["size"] > 400
    assert first["items"][0]["hasAttachments"] is False


def test_search_criteria(api, mailbox):
    _, account_id = mailbox
    url = f"/api/accounts/{account_id}/messages"

    def subjects(**params):
        response = api.get(url, params=params)
        assert response.status_code == 200, response.text
        return [m["subject"] for m in response.json()["items"]]

    assert subjects(subject="invoice") == ["Invoice 2", "Invoice 1"]
    assert subjects(**{"from": "billing@example.net"}) == ["Invoice 2"]
    assert subjects(subject="été") == ["Lunch? été"]
    assert subjects(subject='quote" OR ALL') == []
    assert subjects(since="2000-01-01", unseen="true") == [
        "Lunch? été",
        "Invoice 2",
        "Invoice 1",
    ]
    assert subjects(since="2999-01-01T00:00:00Z") == []
    assert subjects(folder="Archive") == ["Old"]


def test_search_route_takes_a_json_body(api, mailbox):
    _, account_id = mailbox

    response = api.post(
        f"/api/accounts/{account_id}/messages/search",
        json={"subject": "invoice", "text": "PDF", "limit": 5},
    )

    assert response.status_code == 200
    assert [m["subject"] for m in response.json()["items"]] == ["Invoice 2"]


def test_read_message_does_not_mark_it_seen(api, dovecot, mailbox):
    user, account_id = mailbox
    before = flags(dovecot, user)

    response = api.get(f"/api/accounts/{account_id}/messages/2")

    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == "Invoice 2"
    assert body["text"].strip() == "See the PDF."
    assert "<b>PDF</b>" in body["html"]
    assert body["attachments"] == [
        {"filename": "i2.pdf", "contentType": "application/pdf", "size": 450}
    ]
    assert {"name": "Subject", "value": "Invoice 2"} in body["headers"]
    assert body["seen"] is False
    assert flags(dovecot, user) == before
    assert all(b"\\Seen" not in line for line in before)


def test_read_in_another_folder(api, mailbox):
    _, account_id = mailbox

    response = api.get(
        f"/api/accounts/{account_id}/messages/1", params={"folder": "Archive"}
    )

    assert response.json()["subject"] == "Old"


@pytest.mark.parametrize(
    ("path", "params", "status", "error"),
    [
        ("/messages", {"folder": "Nope"}, 404, "NotFound"),
        ("/messages/99", {}, 404, "NotFound"),
        ("/messages/1", {"folder": "Nope"}, 404, "NotFound"),
        ("/messages/0", {}, 422, "ValidationError"),
        ("/messages", {"since": "last tuesday"}, 422, "ValidationFailed"),
        ("/messages", {"subject": "a\r\nb"}, 422, "ValidationFailed"),
        ("/messages", {"cursor": "abc"}, 400, "BadRequest"),
    ],
)
def test_bad_requests(api, mailbox, path, params, status, error):
    _, account_id = mailbox

    response = api.get(f"/api/accounts/{account_id}{path}", params=params)

    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["detail"]


def test_unknown_account_is_404(api):
    for path in ("/status", "/folders", "/messages", "/messages/1"):
        response = api.get(f"/api/accounts/acc_missing{path}")
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"


def test_unreachable_server_is_502_saying_why(api, dovecot):
    user = dovecot.new_user()
    body = account_body(dovecot, user) | {"enabled": False}
    body["imap"] = body["imap"] | {"port": free_port()}
    account_id = api.post("/api/accounts", json=body).json()["id"]

    response = api.get(f"/api/accounts/{account_id}/messages")

    assert response.status_code == 502
    assert response.json()["error"] == "CannotConnect"
    assert "refused" in response.json()["detail"]


def test_wrong_password_is_502_authentication(api, dovecot):
    user = dovecot.new_user()
    account_id = create_account(api, dovecot, user, password="not-it", enabled=False)

    response = api.get(f"/api/accounts/{account_id}/folders")

    assert response.status_code == 502
    assert response.json()["error"] == "AuthenticationFailed"
    assert "not-it" not in response.text


def test_status_of_a_disabled_account(api, mailbox):
    _, account_id = mailbox

    body = api.get(f"/api/accounts/{account_id}/status").json()

    assert body["state"] == "disabled"
    assert body["watching"] is False
    assert body["error"] is None


def test_attachment_bytes_never_reach_the_summary(api, mailbox):
    _, account_id = mailbox

    text = api.get(f"/api/accounts/{account_id}/messages").text

    assert base64.b64encode(b"%PDF-1.4 %PDF").decode()[:8] not in text
