import base64
import json

from app.mail.htmltext import html_to_text
from app.mail.parsing import parse_message, received_event_data

LIMIT = 64 * 1024


def parse(raw: bytes, **kwargs):
    options = {"max_text_bytes": LIMIT, "include_html": False} | kwargs
    return parse_message(raw, **options)


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


SIMPLE = crlf(
    "From: Boss <boss@company.com>\n"
    'To: a@example.com, "Doe, John" <john@example.com>\n'
    "Cc: c@example.com\n"
    "Reply-To: replies@company.com\n"
    "Subject: Quarterly report\n"
    "Date: Fri, 04 Dec 2026 16:00:00 +0100\n"
    "Message-ID: <m1@company.com>\n"
    "In-Reply-To: <m0@company.com>\n"
    "References: <a@x> <m0@company.com>\n"
    "\n"
    "Hello team.\n"
)


def test_plain_message_fields():
    data = parse(SIMPLE)

    assert data["from"] == "boss@company.com"
    assert data["fromName"] == "Boss"
    assert data["to"] == ["a@example.com", "john@example.com"]
    assert data["cc"] == ["c@example.com"]
    assert data["replyTo"] == "replies@company.com"
    assert data["subject"] == "Quarterly report"
    assert data["date"] == "2026-12-04T15:00:00Z"
    assert data["messageId"] == "<m1@company.com>"
    assert data["inReplyTo"] == "<m0@company.com>"
    assert data["references"] == ["<a@x>", "<m0@company.com>"]
    assert data["text"] == "Hello team.\n"
    assert data["textTruncated"] is False
    assert data["attachments"] == []
    assert "html" not in data
    assert "parseError" not in data


def test_event_data_has_location_and_no_floats():
    data = received_event_data(
        "acc_1", "INBOX", 7, SIMPLE, max_text_bytes=LIMIT, include_html=True
    )

    assert (data["accountId"], data["folder"], data["uid"]) == ("acc_1", "INBOX", 7)
    assert data["html"] is None
    json.dumps(data, allow_nan=False)
    assert "float" not in json.dumps(data, default=lambda v: type(v).__name__)


def test_rfc2047_headers_and_names_with_commas():
    raw = crlf(
        "From: =?UTF-8?B?w4lsb2RpZSBEdXBvbnQ=?= <elodie@example.fr>\n"
        "To: =?ISO-8859-1?Q?Fran=E7ois=2C_Martin?= <fm@example.fr>, x@example.fr\n"
        "Subject: =?utf-8?q?R=C3=A9union?= =?utf-8?q?_demain?= ok\n"
        "\n"
        "body\n"
    )

    data = parse(raw)

    assert data["fromName"] == "Élodie Dupont"
    assert data["to"] == ["fm@example.fr", "x@example.fr"]
    assert data["subject"] == "Réunion demain ok"


def test_latin1_body_and_raw_utf8_header():
    raw = (
        "Subject: Caf\u00e9 cr\u00e8me\r\nFrom: a@example.com\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
    ).encode("utf-8") + "Voilà l'été\r\n".encode("latin-1")

    data = parse(raw)

    assert data["subject"] == "Café crème"
    assert data["text"] == "Voilà l'été\n"


def test_unknown_and_wrong_charsets_decode_with_replacement():
    raw = (
        b"From: a@example.com\r\n"
        b"Subject: =?x-klingon?Q?Qapla=27?= =?utf-8?B?/w==?=\r\n"
        b"Content-Type: text/plain; charset=x-does-not-exist\r\n\r\n"
        b"caf\xc3\xa9 and \xff\xfe broken\r\n"
    )

    data = parse(raw)

    assert data["subject"].startswith("Qapla'")
    assert "\ufffd" in data["subject"]
    assert data["text"].startswith("café and \ufffd\ufffd broken")


def test_alternative_prefers_text_and_keeps_html_when_asked():
    raw = crlf(
        "From: a@example.com\nSubject: alt\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain; charset=utf-8\n\nplain version\n"
        "--b1\nContent-Type: text/html; charset=utf-8\n\n<p>html <b>version</b></p>\n"
        "--b1--\n"
    )

    data = parse(raw, include_html=True)

    assert data["text"].strip() == "plain version"
    assert data["html"].strip() == "<p>html <b>version</b></p>"


def test_text_comes_from_html_when_there_is_no_text_part():
    raw = crlf(
        "From: a@example.com\nSubject: html only\n"
        "Content-Type: text/html; charset=utf-8\n\n"
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>Hello&nbsp;<b>world</b> &amp; co</p><div>next line</div>"
        "<script>alert(1)</script></body></html>\n"
    )

    data = parse(raw)

    assert data["text"] == "Hello world & co\n\nnext line"


def test_mixed_related_attachments_metadata_only():
    pdf = b"%PDF-1.4 fake " * 100
    image = b"\x89PNG fake" * 10
    raw = crlf(
        "From: a@example.com\nSubject: files\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="outer"\n\n'
        "--outer\n"
        'Content-Type: multipart/related; boundary="rel"\n\n'
        "--rel\nContent-Type: text/html; charset=utf-8\n\n<p>see image</p>\n"
        "--rel\nContent-Type: image/png\nContent-ID: <img1>\n"
        "Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(image).decode()
        + "--rel--\n"
        "--outer\nContent-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="=?utf-8?q?r=C3=A9sum=C3=A9?=.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(pdf).decode()
        + "--outer--\n"
    )

    data = parse(raw)

    assert data["text"] == "see image"
    assert data["attachments"] == [
        {"filename": None, "contentType": "image/png", "size": len(image)},
        {"filename": "résumé.pdf", "contentType": "application/pdf", "size": len(pdf)},
    ]


def test_rfc2231_filename():
    raw = crlf(
        "From: a@example.com\nSubject: f\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nbody\n"
        "--b\nContent-Type: text/plain\n"
        "Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve.txt\n\n"
        "attached text\n--b--\n"
    )

    data = parse(raw)

    assert data["text"].strip() == "body"
    assert data["attachments"][0]["filename"] == "naïve.txt"
    assert data["attachments"][0]["contentType"] == "text/plain"


def test_nested_message_is_an_attachment_not_the_body():
    inner = "From: other@example.com\nSubject: Original\n\ninner body text\n"
    raw = crlf(
        "From: a@example.com\nSubject: Fwd: Original\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nsee attached\n"
        "--b\nContent-Type: message/rfc822\n\n" + inner + "--b--\n"
    )

    data = parse(raw)

    assert data["text"].strip() == "see attached"
    [attachment] = data["attachments"]
    assert attachment["filename"] == "Original.eml"
    assert attachment["contentType"] == "message/rfc822"
    assert attachment["size"] > len("inner body text")


def test_text_is_capped_and_marked_truncated():
    body = "é" * 3000  # 6000 bytes of UTF-8
    raw = crlf("From: a@example.com\nSubject: long\n\n" + body)

    data = parse(raw, max_text_bytes=1001)

    assert data["textTruncated"] is True
    assert data["text"] == "é" * 500
    assert len(data["text"].encode()) <= 1001


def test_broken_mime_still_yields_what_was_readable():
    raw = crlf(
        "From: Broken <b@example.com>\nSubject: broken\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="never-closed"\n\n'
        "--never-closed\nContent-Type: text/plain\n"
        "Content-Transfer-Encoding: base64\n\n"
        "aGVsbG8gd29ybGQ=!!!not base64 at all\n"
    )

    data = parse(raw)

    assert data["from"] == "b@example.com"
    assert data["subject"] == "broken"
    assert "parseError" in data
    assert "Defect" in data["parseError"]


def test_garbage_bytes_do_not_raise():
    data = received_event_data(
        "acc_1",
        "INBOX",
        1,
        b"\x00\xff\xfe garbage\r\n\r\n\x80\x81",
        max_text_bytes=LIMIT,
        include_html=False,
    )

    assert data["uid"] == 1
    assert data["attachments"] == []
    assert data["from"] is None


def test_bad_date_is_null():
    raw = crlf("From: a@example.com\nDate: yesterday-ish\nSubject: d\n\nx\n")

    assert parse(raw)["date"] is None


def test_html_to_text_keeps_entities_and_blocks():
    assert html_to_text("<ul><li>a &lt; b</li><li>c</li></ul>") == "a < b\n\nc"
