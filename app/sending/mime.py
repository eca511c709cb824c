"""Building the MIME message of a send job with the standard `email` package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

from app.sending.checks import addr_specs
from app.sending.schemas import OutgoingEmail, Recipients

# 7-bit transfer encodings everywhere, so any server relays the message as is,
# and CRLF line ends (RFC 5321 2.3.8) so the bytes sent are the bytes stored.
SEND_POLICY = policy.SMTP.clone(cte_type="7bit")
MAX_REFERENCES = 20


class BuildError(Exception):
    """The message cannot be built; retrying will not help."""


@dataclass(frozen=True)
class Sender:
    email: str
    display_name: str | None = None


@dataclass(frozen=True)
class Original:
    """What a reply needs from the message it answers."""

    message_id: str | None
    references: list[str] = field(default_factory=list)
    subject: str = ""
    answer_to: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Built:
    """The message and its envelope; `data` are the exact bytes to send."""

    message: EmailMessage
    sender: str
    recipients: list[str]
    to: list[str]
    cc: list[str]
    subject: str

    @property
    def data(self) -> bytes:
        return self.message.as_bytes(policy=SEND_POLICY)


def build(
    sender: Sender,
    email: OutgoingEmail,
    message_id: str,
    now: datetime,
    original: Original | None = None,
) -> Built:
    """The full message: headers, text and HTML alternatives, attachments."""
    cc, bcc = _listed(email.cc), _listed(email.bcc)
    to = _listed(email.to) or (original.answer_to if original else [])
    if not (to or cc or bcc):
        raise BuildError("the message answered has no From or Reply-To to reply to")
    subject = reply_subject(email.subject, original) if original else email.subject
    message = EmailMessage(policy=SEND_POLICY)
    message["From"] = from_header(sender)
    _set_addresses(message, "To", to)
    _set_addresses(message, "Cc", cc)
    _set_addresses(message, "Reply-To", _listed(email.reply_to))
    message["Subject"] = subject or ""
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    if original is not None:
        _set_thread(message, original)
    for name, value in email.headers.items():
        message[name] = value
    _set_body(message, email)
    for part in message.iter_parts() if message.is_multipart() else ():
        _drop_part_mime_version(part)
    recipients = _envelope(to, cc, bcc)
    return Built(message, sender.email, recipients, to, cc, subject or "")


def from_header(sender: Sender) -> str:
    """'Name <a@b.c>'; the name is RFC 2047 encoded on output when not ASCII."""
    name = " ".join((sender.display_name or "").split())
    try:
        return str(Address(display_name=name, addr_spec=sender.email))
    except (ValueError, IndexError) as exc:
        raise BuildError(
            f"the account address {sender.email!r} cannot be used as From"
        ) from exc


def reply_subject(subject: str | None, original: Original) -> str:
    """The subject given or the original's, with 'Re: ' unless already there."""
    base = subject if subject is not None else original.subject
    base = " ".join(base.split())
    if base[:3].lower() == "re:":
        return base
    return f"Re: {base}"


def _set_thread(message: EmailMessage, original: Original) -> None:
    # RFC 5322 3.6.4: In-Reply-To is the parent's Message-ID; References is the
    # parent's References (or In-Reply-To) followed by its Message-ID.
    if original.message_id is None:
        return
    references = [*original.references, original.message_id]
    if len(references) > MAX_REFERENCES:
        references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
    message["In-Reply-To"] = original.message_id
    message["References"] = " ".join(references)


def _listed(value: Recipients | None) -> list[str]:
    # The schema has already normalised a single string into a list.
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def _set_addresses(message: EmailMessage, name: str, values: list[str]) -> None:
    if values:
        message[name] = ", ".join(values)


def _set_body(message: EmailMessage, email: OutgoingEmail) -> None:
    if email.html is None or email.body is not None:
        message.set_content(email.body or "")
    if email.html is not None:
        if email.body is None:
            message.set_content(email.html, subtype="html")
        else:
            message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        message.add_attachment(
            attachment.data(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )


def _drop_part_mime_version(part: MIMEPart) -> None:
    # EmailMessage gives every part it creates a MIME-Version header; RFC 2045 4
    # asks for it at the top level only.
    del part["MIME-Version"]
    for child in part.iter_parts() if part.is_multipart() else ():
        _drop_part_mime_version(child)


def _envelope(*fields: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for values in fields:
        for addr in addr_specs(values):
            seen.setdefault(addr.lower(), addr)
    return list(seen.values())
