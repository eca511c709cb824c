"""An email to send, as the API and inbound webhook actions give it."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from app.kit.schema import ApiInput

Recipients = str | list[str]


class Attachment(ApiInput):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=255)
    content: str = Field(description="Base64-encoded bytes")


class ReplyTarget(ApiInput):
    """The received message a reply answers: by Message-ID, or folder and UID."""

    message_id: str | None = None
    folder: str = "INBOX"
    uid: int | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> Self:
        if not self.message_id and self.uid is None:
            raise ValueError("give messageId, or folder and uid, of the message")
        return self


class OutgoingEmail(ApiInput):
    to: Recipients | None = None
    cc: Recipients | None = None
    bcc: Recipients | None = None
    reply_to: Recipients | None = None
    subject: str | None = None
    body: str | None = Field(None, description="Plain-text body")
    html: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
    in_reply_to: ReplyTarget | None = Field(
        None, description="Answer this received message (sets In-Reply-To, Re:)"
    )

    @model_validator(mode="after")
    def _recipient_and_subject(self) -> Self:
        # A reply takes both from the message it answers.
        if self.in_reply_to is None:
            missing = [f for f in ("to", "subject") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"missing {' and '.join(missing)}")
        return self
