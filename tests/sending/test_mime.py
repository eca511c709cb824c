"""The message built for a send job, parsed back with the standard library."""

import base64
import email
from datetime import UTC, datetime
from email import policy

import pytest

from app.sending.mime import BuildError, Original, Sender, build, reply_subject
from app.sending.schemas import OutgoingEmail

SUBJECT = "Merci ! Réponse — 日本"
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
SENDER = Sender("support@example.com", "Équipe Support")
PAYLOAD = bytes(range(256)) * 3


def _parse(data: bytes):
    return email.message_from_bytes(data, policy=policy.default)


def _full_email(**fields) -> OutgoingEmail:
    return OutgoingEmail(
        to=["Zoé Dupont <zoe@example.org>", "b@example.org"],
        cc="Carl <carl@example.org>",
        bcc=["hidden@example.net"],
        reply_to="replies@example.com",
        subject=SUBJECT,
        body="Bonjour Zoé,\nvoici le fichier — merci !",
        html="<p>Bonjour <b>Zoé</b> — 日本</p>",
        attachments=[
            {
                "filename": "relevé.pdf",
                "contentType": "application/pdf",
                "content": base64.b64encode(PAYLOAD).decode(),
            }
        ],
        headers={"X-Campaign": "printemps — été"},
        **fields,
    )


def test_headers_survive_encoding():
    built = build(SENDER, _full_email(), "<id-1@example.com>", NOW)

    parsed = _parse(built.data)

    assert parsed["Subject"] == SUBJECT
    assert parsed["From"].addresses[0].display_name == "Équipe Support"
    assert parsed["From"].addresses[0].addr_spec == "support@example.com"
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        "zoe@example.org",
        "b@example.org",
    ]
    assert parsed["To"].addresses[0].display_name == "Zoé Dupont"
    assert parsed["Cc"].addresses[0].addr_spec == "carl@example.org"
    assert parsed["Reply-To"].addresses[0].addr_spec == "replies@example.com"
    assert parsed["Message-ID"] == "<id-1@example.com>"
    assert parsed["Date"].datetime == NOW
    assert parsed["X-Campaign"] == "printemps — été"


def test_bcc_gets_the_mail_but_is_not_in_the_headers():
    built = build(SENDER, _full_email(), "<id-1@example.com>", NOW)

    assert "hidden@example.net" in built.recipients
    assert b"hidden@example.net" not in built.data
    assert _parse(built.data)["Bcc"] is None
    assert sorted(built.recipients) == [
        "b@example.org",
        "carl@example.org",
        "hidden@example.net",
        "zoe@example.org",
    ]


def test_text_html_and_attachment_parts():
    parsed = _parse(build(SENDER, _full_email(), "<id@example.com>", NOW).data)

    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    [attachment] = list(parsed.iter_attachments())
    assert parsed.get_content_type() == "multipart/mixed"
    # Text travels in canonical form, lines ending in CRLF (RFC 2046 4.1.1).
    assert text.get_content() == "Bonjour Zoé,\r\nvoici le fichier — merci !\r\n"
    assert html.get_content() == "<p>Bonjour <b>Zoé</b> — 日本</p>\r\n"
    assert attachment.get_filename() == "relevé.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PAYLOAD


def test_message_is_seven_bit_with_crlf_lines():
    data = build(SENDER, _full_email(), "<id@example.com>", NOW).data

    assert data.isascii()
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.count(b"MIME-Version") == 1


def test_html_only_email_is_a_single_html_part():
    parsed = _parse(
        build(
            SENDER,
            OutgoingEmail(to="a@example.org", subject="x", html="<p>hi</p>"),
            "<id@example.com>",
            NOW,
        ).data
    )

    assert parsed.get_content_type() == "text/html"


def test_reply_threads_to_the_original():
    original = Original(
        message_id="<orig@example.org>",
        references=["<first@example.org>"],
        subject="Question about the invoice",
        answer_to=["Bob <bob@example.org>"],
    )
    reply = OutgoingEmail(in_reply_to={"messageId": "<orig@example.org>"}, body="Ok")

    built = build(SENDER, reply, "<id@example.com>", NOW, original)

    parsed = _parse(built.data)
    assert parsed["Subject"] == "Re: Question about the invoice"
    assert parsed["In-Reply-To"] == "<orig@example.org>"
    assert parsed["References"] == "<first@example.org> <orig@example.org>"
    assert parsed["To"].addresses[0].addr_spec == "bob@example.org"
    assert built.recipients == ["bob@example.org"]


def test_reply_without_anyone_to_answer_cannot_be_built():
    reply = OutgoingEmail(in_reply_to={"messageId": "<orig@example.org>"}, body="Ok")

    with pytest.raises(BuildError):
        build(SENDER, reply, "<id@example.com>", NOW, Original("<orig@example.org>"))


@pytest.mark.parametrize(
    ("given", "original", "expected"),
    [
        (None, "Hello", "Re: Hello"),
        (None, "RE: Hello", "RE: Hello"),
        (None, "re:Hello", "re:Hello"),
        ("Another subject", "Hello", "Re: Another subject"),
        ("Re: Given", "Hello", "Re: Given"),
    ],
)
def test_reply_subject(given, original, expected):
    assert reply_subject(given, Original("<a@b>", subject=original)) == expected


def test_a_display_name_with_line_breaks_cannot_inject_headers():
    sender = Sender("support@example.com", "Support\r\nBcc: victim@example.net")
    built = build(
        sender, OutgoingEmail(to="a@example.org", subject="x"), "<i@e.com>", NOW
    )

    parsed = _parse(built.data)
    assert parsed["Bcc"] is None
    assert parsed["From"].addresses[0].display_name == "Support Bcc: victim@example.net"
