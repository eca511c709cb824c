"""Account bodies on the wire. Passwords go in, never come out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from app.kit.schema import ApiInput, ApiModel

Security = Literal["ssl", "starttls", "none"]

DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
}


def _one_line(value: str | None) -> str | None:
    if value is not None and any(c in value for c in "\r\n\0"):
        raise ValueError("must be one line: no CR, LF or NUL characters")
    return value


def _folder_names(value: list[str] | str | None) -> list[str] | str | None:
    # No IMAP command can carry these in a mailbox name (RFC 3501 9).
    names = [value] if isinstance(value, str) else value or []
    if any(c in name for name in names for c in "\r\n\0"):
        raise ValueError(
            "a folder name cannot contain line breaks (CR, LF) or NUL characters"
        )
    return value


class ServerIn(ApiInput):
    host: str = Field(min_length=1, max_length=255)
    port: int | None = Field(None, ge=1, le=65535, description="Default by security")
    security: Security = "ssl"
    username: str | None = Field(None, max_length=320, description="Default: email")
    password: str = Field(min_length=1, max_length=1024)
    tls_verify: bool = True

    @field_validator("host")
    @classmethod
    def _host_is_plain(cls, value: str) -> str:
        if any(c.isspace() for c in value) or "/" in value:
            raise ValueError("a host name or IP address, without scheme or path")
        return value


class ServerPatch(ApiInput):
    host: str | None = Field(None, min_length=1, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    security: Security | None = None
    username: str | None = Field(None, max_length=320)
    password: str | None = Field(None, min_length=1, max_length=1024)
    tls_verify: bool | None = None


class AccountCreate(ApiInput):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str | None = Field(None, max_length=200)
    imap: ServerIn
    smtp: ServerIn
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], max_length=50)
    sent_folder: str | None = Field(None, max_length=200)
    enabled: bool = True

    _single_lines = field_validator("name", "display_name", "email")(_one_line)
    _folders = field_validator("folders", "sent_folder")(_folder_names)


class AccountUpdate(ApiInput):
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(
        None, min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"
    )
    display_name: str | None = Field(None, max_length=200)
    imap: ServerPatch | None = None
    smtp: ServerPatch | None = None
    folders: list[str] | None = Field(None, max_length=50)
    sent_folder: str | None = Field(None, max_length=200)
    enabled: bool | None = None

    _single_lines = field_validator("name", "display_name", "email")(_one_line)
    _folders = field_validator("folders", "sent_folder")(_folder_names)


class ServerOut(ApiModel):
    host: str
    port: int
    security: Security
    username: str
    tls_verify: bool


class AccountOut(ApiModel):
    id: str
    name: str
    email: str
    display_name: str | None
    imap: ServerOut
    smtp: ServerOut
    folders: list[str]
    sent_folder: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime


class ServerCheck(ApiModel):
    ok: bool
    error: str | None = Field(None, description="connection, tls, authentication…")
    detail: str


class AccountTestResult(ApiModel):
    ok: bool
    imap: ServerCheck
    smtp: ServerCheck
