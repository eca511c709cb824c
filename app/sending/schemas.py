"""An email to send, as the API and inbound webhook actions give it."""

from __future__ import annotations

from pydantic import Field

from app.kit.schema import ApiInput

Recipients = str | list[str]


class Attachment(ApiInput):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=255)
    content: str = Field(description="Base64-encoded bytes")


class OutgoingEmail(ApiInput):
    to: Recipients
    cc: Recipients | None = None
    bcc: Recipients | None = None
    reply_to: Recipients | None = None
    subject: str
    body: str | None = Field(None, description="Plain-text body")
    html: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
