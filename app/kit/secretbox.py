"""Encryption at rest for stored secrets (mail passwords, webhook secrets)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE_NAME = "secret.key"


class SecretKeyError(Exception):
    """The encryption key is missing, malformed or does not match the data."""


class SecretBox:
    """Fernet (AES-128-CBC + HMAC-SHA256) around one key."""

    def __init__(self, key: bytes):
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise SecretKeyError(
                "the secret key must be 32 url-safe base64-encoded bytes, as made "
                "by `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`"
            ) from exc

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretKeyError(
                "a stored secret cannot be decrypted with the current key; was the "
                "key file replaced or MAILING_MANAGER_SECRET_KEY changed?"
            ) from exc


def load_or_create_key(home: Path, configured: str | None) -> bytes:
    """The configured key, else `<home>/secret.key`, created with mode 0600."""
    if configured:
        return configured.encode("ascii")
    path = home / KEY_FILE_NAME
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    write_private_file(path, key + b"\n")
    return key


def write_private_file(path: Path, content: bytes) -> None:
    """Create `path` readable by its owner only, never briefly wider."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o600)


def random_token(nbytes: int = 32) -> str:
    return base64.urlsafe_b64encode(os.urandom(nbytes)).decode("ascii").rstrip("=")
