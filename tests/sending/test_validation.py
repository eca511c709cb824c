"""The send API refuses bad input with a 422 naming every bad field, and queues
nothing; queue_email (used by inbound webhook actions) checks the same."""

import base64

import pytest
from sqlmodel import select

from app.kit import lines
from app.models import Account, SendJob
from app.sending.schemas import OutgoingEmail
from app.sending.service import AccountDisabled, InvalidEmail, queue_email
from tests.support.service import api_client, settings_for

ACCOUNT = {
    "name": "Support",
    "email": "support@example.com",
    "displayName": "Équipe Support",
    "imap": {"host": "127.0.0.1", "port": 1143, "security": "none", "password": "p"},
    "smtp": {"host": "127.0.0.1", "port": 1025, "security": "none", "password": "p"},
}


@pytest.fixture
def api(home):
    """The API without workers: these tests look at what gets queued."""
    with api_client(settings_for(home, workers={"enabled": False})) as client:
        yield client


@pytest.fixture
def account_id(api):
    return api.post("/api/accounts", json=ACCOUNT).json()["id"]


def _send(api, account_id, **fields):
    body = {"to": "client@example.org", "subject": "Hello", "body": "Hi"} | fields
    return api.post(f"/api/accounts/{account_id}/send", json=body)


def _queued(api):
    return api.get("/api/outbox").json()["items"]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"subject": "Hello\r\nBcc: victim@example.net"}, "subject"),
        ({"subject": "Hello\nX-Spam: yes"}, "subject"),
        ({"to": "Client <client@example.org>\r\nBcc: victim@example.net"}, "to"),
        ({"cc": ["ok@example.org", "evil@example.org\nBcc: x@example.net"]}, "cc"),
        ({"replyTo": "Name\r\n <a@example.org>"}, "replyTo"),
        ({"headers": {"X-Campaign": "spring\r\nBcc: victim@example.net"}}, "headers"),
    ],
)
def test_line_breaks_in_header_fields_are_refused(api, account_id, fields, named):
    response = _send(api, account_id, **fields)

    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"
    assert response.json()["detail"].startswith(f"{named}:")
    assert "single line" in response.json()["detail"]
    assert _queued(api) == []


# Every line break str.splitlines() knows besides CR and LF; the email package
# refuses all of them in a header value, so they must be refused before queueing.
OTHER_BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]
# (the field the 422 names, the request fields with the character `c` in it)
ONE_LINE_FIELDS = [
    ("subject", lambda c: {"subject": f"Hello{c}Bcc: victim@example.net"}),
    ("to", lambda c: {"to": f"Cli{c}Bcc: ent <client@example.org>"}),
    ("cc", lambda c: {"cc": [f"A{c}B <a@example.org>"]}),
    ("bcc", lambda c: {"bcc": f"A{c}B <a@example.org>"}),
    ("replyTo", lambda c: {"replyTo": f"A{c}B <a@example.org>"}),
    ("headers", lambda c: {"headers": {"X-Campaign": f"a{c}Bcc: x@example.net"}}),
    (
        "attachments.0.filename",
        lambda c: {"attachments": [{"filename": f"a{c}b.pdf", "content": "eA=="}]},
    ),
    (
        "attachments.0.contentType",
        lambda c: {
            "attachments": [
                {
                    "filename": "a.pdf",
                    "contentType": f"text/plain{c}",
                    "content": "eA==",
                }
            ]
        },
    ),
    ("inReplyTo.messageId", lambda c: {"inReplyTo": {"messageId": f"<a{c}b@x.org>"}}),
]


def _jobs(api):
    with api.app.state.ctx.session() as session:
        return session.exec(select(SendJob)).all()


@pytest.mark.parametrize(("named", "fields"), ONE_LINE_FIELDS)
@pytest.mark.parametrize("char", OTHER_BREAKS, ids=ascii)
def test_every_kind_of_line_break_is_refused(api, account_id, named, fields, char):
    response = _send(api, account_id, **fields(char))

    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"
    assert response.json()["detail"].startswith(f"{named}:")
    assert "must be a single line" in response.json()["detail"]
    assert _jobs(api) == []


@pytest.mark.parametrize("char", OTHER_BREAKS, ids=ascii)
def test_every_kind_of_line_break_in_a_header_name_is_refused(api, account_id, char):
    response = _send(api, account_id, headers={f"X-Bad{char}Bcc": "x@example.net"})

    shown = char.encode("unicode_escape").decode()
    assert response.status_code == 422
    assert (
        f"headers: Value error, 'X-Bad{shown}Bcc' is not a header name"
        in (response.json()["detail"])
    )
    assert _jobs(api) == []


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"subject": "=?utf-8?q?Hi=0D=0ABcc:_victim@example.net?="}, "subject"),
        ({"headers": {"X-Tag": "=?utf-8?q?a=E2=80=A8b?="}}, "headers"),
        ({"to": "=?utf-8?q?A=E2=80=A8B?= <a@example.org>"}, "to"),
        (
            {
                "attachments": [
                    {"filename": "=?utf-8?q?a=0D=0AX:_y?=", "content": "eA=="}
                ]
            },
            "attachments.0.filename",
        ),
    ],
)
def test_encoded_words_that_decode_to_a_line_break_are_refused(
    api, account_id, fields, named
):
    response = _send(api, account_id, **fields)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{named}:")
    assert "encoded words (=?...?=) once decoded too" in response.json()["detail"]
    assert _jobs(api) == []


def test_encoded_words_without_line_breaks_are_accepted(api, account_id):
    response = _send(
        api,
        account_id,
        to="=?utf-8?q?Zo=C3=A9?= <zoe@example.org>",
        subject="=?utf-8?q?caf=C3=A9?=",
    )

    assert response.status_code == 202, response.text
    assert response.json()["to"] == ["Zoé <zoe@example.org>"]


def test_line_breaks_in_a_header_name_are_refused(api, account_id):
    response = _send(api, account_id, headers={"X-Bad\r\nBcc": "x@example.net"})

    assert response.status_code == 422
    assert "'X-Bad\\r\\nBcc' is not a header name" in response.json()["detail"]
    assert _queued(api) == []


def test_every_bad_field_is_named_at_once(api, account_id):
    response = _send(
        api,
        account_id,
        to=["not-an-address", "fine@example.org"],
        cc="a@example.org b@example.org",
        subject="two\nlines",
        headers={"From": "ceo@example.com", "Message-ID": "<x@y>", "X:Y": "v"},
        attachments=[{"filename": "a.pdf", "content": "%%%not base64%%%"}],
    )

    detail = response.json()["detail"]
    assert response.status_code == 422
    assert "to: 'not-an-address' is not an email address" in detail.replace(
        "Value error, ", ""
    )
    assert "cc:" in detail
    assert "subject:" in detail
    assert "'From' is set by the service" in detail
    assert "'Message-ID' is set by the service" in detail
    assert "'X:Y' is not a header name" in detail
    assert "attachments.0.content: Value error, content is not valid base64" in detail
    assert _queued(api) == []


@pytest.mark.parametrize(
    "header", ["Bcc", "to", "DATE", "Content-Type", "Resent-From", "Sender"]
)
def test_headers_the_service_sets_are_refused(api, account_id, header):
    response = _send(api, account_id, headers={header: "x@example.org"})

    assert response.status_code == 422
    assert f"'{header}' is set by the service" in response.json()["detail"]


def test_missing_recipient_and_subject_are_named(api, account_id):
    response = api.post(f"/api/accounts/{account_id}/send", json={"body": "Hi"})

    assert response.status_code == 422
    assert "missing to (or cc or bcc) and subject" in response.json()["detail"]


def test_attachment_content_type_must_be_a_type(api, account_id):
    content = base64.b64encode(b"data").decode()
    attachment = {"filename": "a", "contentType": "pdf", "content": content}

    response = _send(api, account_id, attachments=[attachment])

    assert response.status_code == 422
    assert "attachments.0.contentType" in response.json()["detail"].replace(
        "content_type", "contentType"
    )


def test_a_valid_email_is_queued_with_its_message_id(api, account_id):
    response = _send(
        api, account_id, to=["Zoé <zoe@example.org>", "b@example.org"], cc=""
    )

    job = response.json()
    assert response.status_code == 202
    assert job["status"] == "queued"
    assert job["to"] == ["Zoé <zoe@example.org>", "b@example.org"]
    assert job["cc"] == []
    assert job["messageId"].startswith("<") and job["messageId"].endswith(
        "@example.com>"
    )
    assert job["links"]["self"] == f"/api/outbox/{job['id']}"
    assert api.get(job["links"]["self"]).json()["messageId"] == job["messageId"]


def test_unknown_account_is_404(api):
    response = _send(api, "acc_missing")

    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_disabled_account_is_refused(api, account_id):
    api.patch(f"/api/accounts/{account_id}", json={"enabled": False})

    response = _send(api, account_id)

    assert response.status_code == 409
    assert response.json()["error"] == "AccountDisabled"
    assert "enabled" in response.json()["detail"]
    assert _queued(api) == []


def test_unknown_job_is_404(api):
    response = api.get("/api/outbox/job_missing")

    assert response.status_code == 404
    assert "GET /api/outbox" in response.json()["detail"]


def test_outbox_lists_by_account_and_status(api, account_id):
    other = api.post("/api/accounts", json=ACCOUNT | {"name": "Other"}).json()["id"]
    mine = _send(api, account_id).json()["id"]
    _send(api, other)

    listed = api.get("/api/outbox", params={"accountId": account_id}).json()
    failed = api.get("/api/outbox", params={"status": "failed"}).json()
    bad = api.get("/api/outbox", params={"status": "lost"})

    assert [job["id"] for job in listed["items"]] == [mine]
    assert failed["items"] == []
    assert bad.status_code == 422


def test_queue_email_checks_emails_built_without_validation(api, account_id):
    ctx = api.app.state.ctx
    forged = OutgoingEmail.model_construct(
        to=["a@example.org"], subject="Hi\r\nBcc: victim@example.net", headers={}
    )
    with ctx.session() as session:
        account = session.get(Account, account_id)

        with pytest.raises(InvalidEmail) as caught:
            queue_email(session, account, forged)

        assert caught.value.status_code == 422
        assert caught.value.detail.startswith("subject: must be a single line")
        assert session.exec(select(SendJob)).all() == []


def test_queue_email_refuses_a_disabled_account(api, account_id):
    ctx = api.app.state.ctx
    email = OutgoingEmail(to="a@example.org", subject="Hi")
    with ctx.session() as session:
        account = session.get(Account, account_id)
        account.enabled = False

        with pytest.raises(AccountDisabled):
            queue_email(session, account, email)


def test_the_line_break_rule_covers_everything_splitlines_splits_on():
    splitting = {chr(i) for i in range(0x3000) if len(f"a{chr(i)}b".splitlines()) > 1}

    assert splitting == {"\r", "\n", *OTHER_BREAKS}
    assert {*splitting, "\0"} == lines.FORBIDDEN
