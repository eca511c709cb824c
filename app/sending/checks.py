"""Checks for values that become email headers: addresses, field names, base64.

Each raises ValueError with a message that says what is wrong and how to fix
it; the schemas turn that into a 422 naming the field.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Protocol

from app.kit.lines import RULE, has_line_break, header_has_line_break

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# RFC 5322 3.6.8: field-name = 1*ftext, printable US-ASCII except ":".
FIELD_NAME = re.compile(r"[!-9;-~]{1,76}")
MIME_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
CONTENT_TYPE = re.compile(rf"({MIME_TOKEN})/({MIME_TOKEN})\s*(;.*)?")
DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\]")
# Headers the service writes itself: taking them from input would let a caller
# forge the sender, add hidden recipients or break the MIME structure.
OWN_HEADERS = frozenset(
    name.lower()
    for name in (
        "From",
        "Sender",
        "To",
        "Cc",
        "Bcc",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Content-ID",
        "Return-Path",
        "Received",
    )
)


class HasContent(Protocol):
    content: str


def single_line(value: str) -> str:
    """Refuse line breaks and NUL: in a header they would start a new header."""
    if has_line_break(value):
        raise ValueError(f"must be a single line: {RULE}")
    return value


def header_text(value: str) -> str:
    """A single line, also once its RFC 2047 encoded words are decoded."""
    single_line(value)
    if header_has_line_break(value):
        raise ValueError(
            f"must be a single line, encoded words (=?...?=) once decoded too: {RULE}"
        )
    return value


def parse_addresses(value: str) -> list[Address]:
    """Parse one header-style address list ('A <a@x.org>, b@y.org')."""
    if has_line_break(value):
        raise ValueError(f"{value!r} must be a single line: {RULE}")
    try:
        header = policy.default.header_factory("to", value)
    except (HeaderParseError, IndexError, ValueError) as exc:
        raise ValueError(f"{value!r} is not an address list ({exc})") from exc
    addresses = list(header.addresses)
    if header.defects or not addresses:
        raise ValueError(
            f"{value!r} is not an email address; write it as a@example.com or "
            "Name <a@example.com>, several separated by commas"
        )
    for address in addresses:
        _check_addr_spec(address, value)
    return addresses


def _check_addr_spec(address: Address, given: str) -> None:
    if has_line_break(address.display_name):
        raise ValueError(
            f"{given!r}: the name must be a single line, encoded words (=?...?=) "
            f"once decoded too: {RULE}"
        )
    if not address.username or not DOMAIN.fullmatch(address.domain or ""):
        raise ValueError(
            f"{given!r} is not an email address; write it as a@example.com or "
            "Name <a@example.com>"
        )
    if not address.addr_spec.isascii():
        raise ValueError(
            f"{address.addr_spec!r}: addresses must be ASCII; write an "
            "internationalised domain in its xn-- form"
        )


def address_list(value: str | list[str]) -> list[str]:
    """Every address of a string or list, normalised as 'Name <a@b.c>'."""
    items = [value] if isinstance(value, str) else value
    result: list[str] = []
    problems: list[str] = []
    for item in items:
        if not item.strip():
            continue
        try:
            result.extend(str(address) for address in parse_addresses(item))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError("; ".join(problems))
    return result


def addr_specs(values: Iterable[str]) -> list[str]:
    """The bare addresses (a@b.c) of normalised address strings."""
    return [a.addr_spec for value in values for a in parse_addresses(value)]


def extra_headers(headers: dict[str, str]) -> dict[str, str]:
    """Refuse bad field names, headers the service owns and multi-line values."""
    problems = []
    for name, value in headers.items():
        shown = name.encode("unicode_escape").decode("ascii")
        if not FIELD_NAME.fullmatch(name):
            problems.append(
                f"'{shown}' is not a header name (printable ASCII without ':' "
                "or spaces, at most 76 characters)"
            )
        elif name.lower() in OWN_HEADERS or name.lower().startswith("resent-"):
            problems.append(
                f"{name!r} is set by the service; use the matching field "
                "(to, cc, bcc, replyTo, subject, inReplyTo) instead"
            )
        try:
            header_text(value)
        except ValueError as exc:
            problems.append(f"the value of '{shown}' {exc}")
    if problems:
        raise ValueError("; ".join(problems))
    return headers


def content_type(value: str) -> str:
    """'type/subtype' (parameters allowed, then ignored), lowercased."""
    header_text(value)
    match = CONTENT_TYPE.fullmatch(value.strip())
    if not match:
        raise ValueError(
            f"{value!r} is not a content type; write it like application/pdf"
        )
    if match.group(1).lower() in ("multipart", "message"):
        raise ValueError(
            f"{value!r} cannot be an attachment's type; attach the file as "
            "application/octet-stream"
        )
    return f"{match.group(1)}/{match.group(2)}".lower()


def decode_base64(value: str) -> bytes:
    """Strict base64 (line breaks and missing padding tolerated)."""
    compact = "".join(value.split())
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(
            "content is not valid base64; encode the file's bytes with base64"
        ) from exc


def total_size(attachments: Iterable[HasContent]) -> None:
    """Refuse attachments that no mail server would accept anyway."""
    size = sum(len(decode_base64(a.content)) for a in attachments)
    if size > MAX_ATTACHMENT_BYTES:
        raise ValueError(
            f"attachments add up to {size} bytes; the limit is "
            f"{MAX_ATTACHMENT_BYTES} bytes"
        )


def message_id(value: str) -> str:
    """A Message-ID in angle brackets: '<id@host>'."""
    single_line(value)
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not a Message-ID; it looks like <id@host>")
    if not value.startswith("<"):
        value = f"<{value}>"
    return value
