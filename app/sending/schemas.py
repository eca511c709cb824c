"""An email to send, as the API and inbound webhook actions give it, and its job.

Everything that ends up in a header is checked here, so the API and the inbound
webhook actions refuse the same bad input before anything is queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from app.kit.schema import ApiInput, ApiModel
from app.sending import checks

Recipients = str | list[str]
JobStatus = Literal["queued", "sending", "sent", "failed"]


class Attachment(ApiInput):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=255)
    content: str = Field(description="Base64-encoded bytes")

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        return checks.header_text(value)

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, value: str) -> str:
        return checks.content_type(value)

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        checks.decode_base64(value)
        return value

    def data(self) -> bytes:
        """The decoded bytes."""
        return checks.decode_base64(self.content)


class ReplyTarget(ApiInput):
    """The received message a reply answers: by Message-ID, or folder and UID."""

    message_id: str | None = Field(None, max_length=998)
    folder: str = Field("INBOX", min_length=1, max_length=200)
    uid: int | None = Field(None, ge=1)

    @field_validator("message_id")
    @classmethod
    def _message_id(cls, value: str | None) -> str | None:
        return None if value is None else checks.message_id(value)

    @field_validator("folder")
    @classmethod
    def _folder(cls, value: str) -> str:
        return checks.single_line(value)

    @model_validator(mode="after")
    def _one_reference(self) -> Self:
        if not self.message_id and self.uid is None:
            raise ValueError("give messageId, or folder and uid, of the message")
        return self


class OutgoingEmail(ApiInput):
    to: Recipients | None = Field(
        None, description="Address or list; 'Name <a@b.c>' or 'a@b.c'"
    )
    cc: Recipients | None = None
    bcc: Recipients | None = Field(
        None, description="Receive the email without appearing in its headers"
    )
    reply_to: Recipients | None = None
    subject: str | None = Field(None, max_length=2000)
    body: str | None = Field(None, description="Plain-text body")
    html: str | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=100)
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra headers, e.g. X-Campaign"
    )
    in_reply_to: ReplyTarget | None = Field(
        None, description="Answer this received message (sets In-Reply-To, Re:)"
    )

    @field_validator("to", "cc", "bcc", "reply_to")
    @classmethod
    def _addresses(cls, value: Recipients | None) -> list[str] | None:
        return None if value is None else checks.address_list(value)

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        return None if value is None else checks.header_text(value)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        return checks.extra_headers(value)

    @field_validator("attachments")
    @classmethod
    def _attachments_size(cls, value: list[Attachment]) -> list[Attachment]:
        checks.total_size(value)
        return value

    @model_validator(mode="after")
    def _recipient_and_subject(self) -> Self:
        # A reply takes both from the message it answers.
        if self.in_reply_to is not None:
            return self
        missing = []
        if not (self.to or self.cc or self.bcc):
            missing.append("to (or cc or bcc)")
        if self.subject is None:
            missing.append("subject")
        if missing:
            raise ValueError(f"missing {' and '.join(missing)}")
        return self


class JobLinks(ApiModel):
    self: str
    account: str


class SendJobOut(ApiModel):
    """A queued email and how its delivery went."""

    id: str
    account_id: str
    invocation_id: str | None
    status: JobStatus
    retrying: bool = Field(description="Queued again after a temporary failure")
    message_id: str
    to: list[str]
    cc: list[str]
    subject: str | None
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    smtp_response: str | None
    refused: dict[str, str] = Field(
        description="Recipients the server refused while others got the email"
    )
    note: str | None = Field(description="What went wrong after sending, if anything")
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    links: JobLinks
