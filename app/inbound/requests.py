"""Reading an inbound call: credentials, a size-capped body, JSON or form data."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from starlette.requests import ClientDisconnect

from app.errors import BadRequest, PayloadTooLarge, Unauthorized, UnsupportedMediaType
from app.inbound.schemas import SECRET_HEADER, SIGNATURE_HEADER

FORM = "application/x-www-form-urlencoded"
MAX_WAIT_SECONDS = 30
MAX_FORM_FIELDS = 1000
# Never offered to templates: they carry credentials.
HIDDEN_HEADERS = frozenset(
    {SECRET_HEADER.lower(), SIGNATURE_HEADER.lower(), "authorization", "cookie"}
)


def check_secret(request: Request, secret: str) -> None:
    """The secret header must equal the webhook's secret (constant-time)."""
    given = request.headers.get(SECRET_HEADER)
    if given is None:
        raise Unauthorized(f"missing {SECRET_HEADER} header")
    if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
        raise Unauthorized(f"wrong {SECRET_HEADER}")


def check_signature(request: Request, secret: str, raw: bytes) -> None:
    """The signature header must be the hex HMAC-SHA256 of the raw body."""
    given = request.headers.get(SIGNATURE_HEADER)
    if given is None:
        raise Unauthorized(
            f"missing {SIGNATURE_HEADER} header: send the hex HMAC-SHA256 of the "
            "raw body, keyed with the webhook secret"
        )
    given = given.strip().removeprefix("sha256=").lower()
    expected = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode()):
        raise Unauthorized(
            f"{SIGNATURE_HEADER} does not match the body: sign the exact bytes sent"
        )


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise _too_large(limit)
    except ClientDisconnect as exc:
        raise BadRequest("the connection closed before the body was complete") from exc
    return bytes(body)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the body is larger than {limit} bytes (webhooks.maxBodyBytes); send less"
    )


def parse_body(raw: bytes, content_type: str | None) -> Any:
    """JSON (the default) or a form; 400 when malformed, 415 for other types."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    is_json = media in ("", "application/json") or media.endswith("+json")
    if not is_json and media != FORM:
        raise UnsupportedMediaType(
            f"cannot read a '{media}' body; send application/json or {FORM}"
        )
    if not raw.strip():
        return {}
    text = _utf8(raw)
    if is_json or _looks_like_json_object(text):
        # `curl -d '{…}'` without a Content-Type header sends JSON labelled as a
        # form; no real form body starts with "{" and ends with "}".
        return _parse_json(text)
    return _parse_form(text)


def _looks_like_json_object(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith("{") and stripped.endswith("}")


def _utf8(raw: bytes) -> str:
    try:
        # utf-8-sig: some Windows tools put a byte order mark before the JSON.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the body is not UTF-8 (bad byte at offset {exc.start})"
        ) from exc


MAX_INT_DIGITS = 100


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(
            f"a number in the body has more than {MAX_INT_DIGITS} digits; "
            "send it as a string"
        )
    return int(digits)


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"malformed JSON: {exc}") from exc


def _parse_form(text: str) -> dict[str, Any]:
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as exc:
        raise BadRequest(f"malformed form body: {exc}") from exc
    return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}


def template_data(request: Request, body: Any) -> dict[str, Any]:
    """What `{{body.…}}`, `{{headers.…}}` and `{{query.…}}` read."""
    headers = {
        k.lower(): v for k, v in request.headers.items() if k not in HIDDEN_HEADERS
    }
    query = {k: request.query_params.get(k) for k in request.query_params}
    return {"body": body, "headers": headers, "query": query}


def wait_seconds(request: Request) -> float:
    """The `?wait=` asked for, 0 when absent."""
    raw = request.query_params.get("wait")
    if raw is None or raw == "":
        return 0.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise BadRequest(
            f"wait must be a number of seconds from 0 to {MAX_WAIT_SECONDS}"
        )
    return seconds


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        raise BadRequest("Idempotency-Key must be 1 to 255 characters")
    return key
