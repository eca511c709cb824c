"""Turn raw RFC 5322 messages into the JSON the service emits, never failing.

Mail in the wild carries wrong charsets, broken MIME and undecodable headers.
Everything here decodes with replacement characters and notes what went wrong
in `parseError` instead of raising, so one bad message never stops a watcher.
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC
from email.message import Message
from typing import Any

from app.kit.ids import isoformat_z
from app.mail.htmltext import html_to_text

MAX_DEPTH = 30
_FOLDING = re.compile(r"\r?\n(?=[ \t])")
_MSGID = re.compile(r"<[^<>\s]+>")


def load(raw: bytes) -> Message:
    """The stdlib message tree (compat32 keeps every raw header as it came)."""
    return email.message_from_bytes(raw)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text in `charset`; unknown or wrong charsets never raise."""
    name = (charset or "utf-8").strip().strip('"').lower() or "utf-8"
    if name in ("unknown-8bit", "x-unknown", "us-ascii", "ascii"):
        name = "utf-8"  # a superset of ASCII: raw 8-bit text is most often UTF-8
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    return data.decode(name, errors="replace")


def decode_header_value(value: Any) -> str:
    """A header as text: unfolded, RFC 2047 words decoded, raw 8-bit tolerated."""
    text = _FOLDING.sub("", str(value))
    if any("\udc80" <= c <= "\udcff" for c in text):
        # Raw 8-bit bytes (RFC 6532 UTF-8, or a legacy charset) were kept as
        # surrogates by the parser; recover the bytes and decode them.
        text = decode_bytes(text.encode("ascii", "surrogateescape"), "utf-8")
    try:
        chunks = email.header.decode_header(text)
    except Exception:
        return text
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        elif charset is None:
            parts.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            parts.append(decode_bytes(chunk, charset))
    return "".join(parts)


def raw_values(msg: Message, name: str) -> list[str]:
    """A header's values as they came (compat32 would wrap 8-bit ones)."""
    wanted = name.lower()
    return [str(v) for k, v in msg.raw_items() if k.lower() == wanted]


def header_text(msg: Message, name: str) -> str | None:
    values = raw_values(msg, name)
    return decode_header_value(values[0]).strip() if values else None


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs; names decoded after splitting on commas."""
    values = [_FOLDING.sub("", v) for v in raw_values(msg, name)]
    result = []
    for display, address in email.utils.getaddresses(values):
        if address:
            result.append((decode_header_value(display).strip(), address.strip()))
    return result


def message_ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


def date_iso(msg: Message) -> str | None:
    """The Date header as ISO 8601 UTC (`...Z`); None when missing or invalid."""
    value = header_text(msg, "Date")
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return isoformat_z(moment)


def envelope(msg: Message) -> dict[str, Any]:
    """Who, what and when: the header fields shared by events and summaries."""
    sender = addresses(msg, "From")
    reply_to = addresses(msg, "Reply-To")
    in_reply_to = message_ids(header_text(msg, "In-Reply-To"))
    return {
        "messageId": header_text(msg, "Message-ID"),
        "from": sender[0][1] if sender else None,
        "fromName": (sender[0][0] or None) if sender else None,
        "to": [address for _, address in addresses(msg, "To")],
        "cc": [address for _, address in addresses(msg, "Cc")],
        "replyTo": reply_to[0][1] if reply_to else None,
        "subject": header_text(msg, "Subject"),
        "date": date_iso(msg),
        "inReplyTo": in_reply_to[0] if in_reply_to else None,
        "references": message_ids(header_text(msg, "References")),
    }


def all_headers(msg: Message) -> list[dict[str, str]]:
    """Every header in order, decoded, as `{name, value}`."""
    return [
        {"name": name, "value": decode_header_value(value).strip()}
        for name, value in msg.raw_items()
    ]


@dataclass
class _Body:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return decode_header_value(name).strip() if name else None


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _attachment(part: Message, filename: str | None) -> dict[str, Any]:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        data = inner.as_bytes() if isinstance(inner, Message) else b""
        if filename is None and isinstance(inner, Message):
            subject = header_text(inner, "Subject")
            filename = f"{subject or 'message'}.eml"
    else:
        data = _payload_bytes(part)
    return {"filename": filename, "contentType": content_type, "size": len(data)}


def _walk(part: Message, body: _Body, depth: int) -> None:
    if depth > MAX_DEPTH:
        body.problems.append("MIME nesting too deep; deeper parts skipped")
        return
    content_type = part.get_content_type()
    filename = _filename(part)
    if content_type == "message/rfc822" or (
        not part.is_multipart() and _is_attachment(part, content_type, filename)
    ):
        body.attachments.append(_attachment(part, filename))
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk_safely(sub, body, depth + 1)
        return
    text = decode_bytes(_payload_bytes(part), part.get_content_charset())
    text = text.replace("\r\n", "\n")  # the wire's CRLF; consumers expect \n
    (body.htmls if content_type == "text/html" else body.texts).append(text)


def _walk_safely(part: Message, body: _Body, depth: int) -> None:
    try:
        _walk(part, body, depth)
    except Exception as exc:
        body.problems.append(f"MIME part skipped: {type(exc).__name__}: {exc}")


def _is_attachment(part: Message, content_type: str, filename: str | None) -> bool:
    if content_type not in ("text/plain", "text/html"):
        return True
    return filename is not None or part.get_content_disposition() == "attachment"


def _defects(msg: Message) -> list[str]:
    names = {type(d).__name__ for p in msg.walk() for d in getattr(p, "defects", [])}
    return sorted(names)


def _capped(text: str, limit: int) -> tuple[str, bool]:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text, False
    return data[:limit].decode("utf-8", errors="ignore"), True


def content(msg: Message, *, max_text_bytes: int, include_html: bool) -> dict:
    """Text (from HTML when there is no plain part), HTML, attachments metadata."""
    body = _Body()
    _walk_safely(msg, body, 0)
    html = "\n".join(body.htmls) if body.htmls else None
    text = "\n".join(body.texts) if body.texts else None
    if text is None and html is not None:
        text = html_to_text(html)
    text, truncated = _capped(text or "", max_text_bytes)
    result: dict[str, Any] = {"text": text, "textTruncated": truncated}
    if include_html:
        capped, html_truncated = _capped(html or "", max_text_bytes)
        result["html"] = capped if html is not None else None
        result["htmlTruncated"] = html_truncated
    result["attachments"] = body.attachments
    result["_problems"] = body.problems
    return result


def parse_message(
    raw: bytes, *, max_text_bytes: int, include_html: bool
) -> dict[str, Any]:
    """Every field of the `email.received` data except accountId, folder, uid."""
    problems: list[str] = []
    msg = load(raw)
    try:
        data = envelope(msg)
    except Exception as exc:
        problems.append(f"headers: {type(exc).__name__}: {exc}")
        data = dict.fromkeys(("messageId", "from", "fromName", "replyTo"), None)
        data.update(subject=None, date=None, inReplyTo=None, to=[], cc=[])
        data["references"] = []
    body = content(msg, max_text_bytes=max_text_bytes, include_html=include_html)
    problems += body.pop("_problems")
    data.update(body)
    defects = _defects(msg)
    if defects:
        problems.append("MIME defects: " + ", ".join(defects))
    if problems:
        data["parseError"] = "; ".join(problems)
    return data


def received_event_data(
    account_id: str,
    folder: str,
    uid: int,
    raw: bytes,
    *,
    max_text_bytes: int,
    include_html: bool,
) -> dict[str, Any]:
    """The `data` of an `email.received` event; never raises on bad input."""
    head = {"accountId": account_id, "folder": folder, "uid": uid}
    try:
        parsed = parse_message(
            raw, max_text_bytes=max_text_bytes, include_html=include_html
        )
    except Exception as exc:
        parsed = {"parseError": f"{type(exc).__name__}: {exc}", "attachments": []}
    return head | parsed
