"""Account bodies on the wire. Passwords go in, never come out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from app.kit.lines import RULE, has_line_break, header_has_line_break
from app.kit.schema import ApiInput, ApiModel
from app.kit.urlsafety import is_metadata_host

Security = Literal["ssl", "starttls", "none"]

DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
}


def _one_line(value: str | None) -> str | None:
    if value is not None and has_line_break(value):
        raise ValueError(f"must be one line: {RULE}")
    return value


def _from_part(value: str | None) -> str | None:
    # The display name and email are written into the From header, where the
    # email package decodes encoded words (=?...?=) before writing them out.
    _one_line(value)
    if value is not None and header_has_line_break(value):
        raise ValueError(f"must be one line, encoded words once decoded too: {RULE}")
    return value


def _plain_host(value: str) -> str:
    if any(c.isspace() for c in value) or "/" in value:
        raise ValueError("a host name or IP address, without scheme or path")
    if is_metadata_host(value):
        raise ValueError("link-local and cloud metadata addresses are never used")
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
FromPart = Annotated[str, AfterValidator(_from_part)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Email = Annotated[
    str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
]
Host = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_plain_host)]
Username = Annotated[OneLine, Field(max_length=320)]
FolderName = Annotated[OneLine, Field(min_length=1, max_length=200)]
Folders = Annotated[list[FolderName], Field(min_length=1, max_length=50)]


class ServerIn(ApiInput):
    host: Host
    port: int | None = Field(None, ge=1, le=65535, description="Default by security")
    security: Security = "ssl"
    username: Username | None = Field(None, description="Default: email")
    password: str = Field(min_length=1, max_length=1024)
    tls_verify: bool = True


class ServerPatch(ApiInput):
    host: Host | None = None
    port: int | None = Field(None, ge=1, le=65535)
    security: Security | None = None
    username: Username | None = None
    password: str | None = Field(None, min_length=1, max_length=1024)
    tls_verify: bool | None = None

    _not_null = model_validator(mode="before")(
        lambda data: _refuse_nulls(data, ("host", "security", "username", "password"))
    )


class AccountCreate(ApiInput):
    name: Name
    email: Email
    display_name: FromPart | None = Field(None, max_length=200)
    imap: ServerIn
    smtp: ServerIn
    folders: Folders = Field(default_factory=lambda: ["INBOX"])
    sent_folder: FolderName | None = None
    enabled: bool = True

    _single_lines = field_validator("email")(_from_part)


class AccountUpdate(ApiInput):
    name: Name | None = None
    email: Email | None = None
    display_name: FromPart | None = Field(None, max_length=200)
    imap: ServerPatch | None = None
    smtp: ServerPatch | None = None
    folders: Folders | None = None
    sent_folder: FolderName | None = None
    enabled: bool | None = None

    _single_lines = field_validator("email")(_from_part)
    _not_null = model_validator(mode="before")(
        lambda data: _refuse_nulls(
            data, ("name", "email", "imap", "smtp", "folders", "enabled")
        )
    )


def _refuse_nulls(data: Any, fields: tuple[str, ...]) -> Any:
    """PATCH: null clears only what may be empty; elsewhere it is a mistake."""
    if isinstance(data, dict):
        nulls = [
            name
            for name in fields
            if any(data.get(key, 0) is None for key in (name, to_camel(name)))
        ]
        if nulls:
            raise ValueError(
                f"{', '.join(nulls)} cannot be null; leave a field out to keep "
                "its current value"
            )
    return data


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
