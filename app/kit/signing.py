"""Signatures for outbound webhook deliveries.

Two schemes sign every delivery:

- `X-Webhook-Signature`: lowercase hex HMAC-SHA256 of the body bytes, keyed with
  the secret's UTF-8 bytes (what the user guide's Node example checks). It holds
  one signature only, so during a rotation's grace period the previous secret
  makes it: receivers comparing it with `!==` still hold that one;
- Standard Webhooks (https://www.standardwebhooks.com): `webhook-signature:
  v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64-decoded
  part after `whsec_` (else the secret's UTF-8 bytes), one `v1,` entry per
  valid key, separated by spaces, so receivers accept either key while a
  rotated secret is still in its grace period.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


@dataclass(frozen=True)
class SigningKeys:
    """The secrets signing one delivery attempt, header by header."""

    hex_secret: str  # X-Webhook-Signature
    standard: tuple[str, ...]  # one webhook-signature entry each

    @classmethod
    def single(cls, secret: str) -> SigningKeys:
        """Keys when only one secret is valid."""
        return cls(secret, (secret,))


def generate_secret() -> str:
    """A new secret: `whsec_` followed by base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode("ascii")


def hex_signature(secret: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of `body` keyed with the secret's UTF-8 bytes."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def standard_key(secret: str) -> bytes:
    """The Standard Webhooks key of a secret (see the module doc)."""
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if key:
            return key
    return secret.encode("utf-8")


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` entry over `id.timestamp.body`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(
    keys: SigningKeys, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The signature headers of one attempt."""
    if not keys.standard:
        raise ValueError("at least one secret is needed to sign")
    return {
        "X-Webhook-Signature": hex_signature(keys.hex_secret, body),
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(s, msg_id, timestamp, body) for s in keys.standard
        ),
    }
