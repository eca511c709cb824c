"""Signature headers verify with the Standard Webhooks library and plain HMAC."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.kit import signing

BODY = '{"id":"evt_1","event":"webhook.test","data":{"s":"é"}}'.encode()


def test_generated_secrets_are_whsec_base64_of_32_bytes():
    secret = signing.generate_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:], validate=True)) == 32
    assert secret != signing.generate_secret()


def test_hex_signature_is_hmac_of_body_with_utf8_secret():
    expected = hmac.new("secret-partagé".encode(), BODY, hashlib.sha256).hexdigest()

    assert signing.hex_signature("secret-partagé", BODY) == expected


@pytest.mark.parametrize("secret", [signing.generate_secret(), "secret-partagé"])
def test_standard_signature_verifies_with_standardwebhooks(secret):
    headers = signing.signature_headers(
        signing.SigningKeys.single(secret), "evt_1", int(time.time()), BODY
    )
    key = secret if secret.startswith("whsec_") else secret.encode()

    assert Webhook(key).verify(BODY, headers) == {
        "id": "evt_1",
        "event": "webhook.test",
        "data": {"s": "é"},
    }


def test_hex_uses_its_own_key_while_both_keys_sign_standard():
    new, old = signing.generate_secret(), signing.generate_secret()
    keys = signing.SigningKeys(hex_secret=old, standard=(new, old))
    headers = signing.signature_headers(keys, "evt_1", int(time.time()), BODY)

    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(BODY, headers)
    Webhook(old).verify(BODY, headers)
    assert headers["X-Webhook-Signature"] == signing.hex_signature(old, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.generate_secret()).verify(BODY, headers)


def test_whsec_prefix_without_base64_falls_back_to_utf8_bytes():
    assert signing.standard_key("whsec_not base64!") == b"whsec_not base64!"
