"""The SMTP edge: one mail transaction, its failures sorted into retry or not.

RFC 5321 4.2.1: a 4yz reply is a transient failure (try again later), a 5yz
reply a permanent one. Connection errors and timeouts count as transient.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from dataclasses import dataclass, field

from app.kit.deadline import DeadlineExceeded, socket_deadline
from app.mail.connect import MailServerError, ServerLogin, new_smtp, open_smtp

logger = logging.getLogger(__name__)


class SendFailure(Exception):
    """The email was not sent; `transient` says whether a retry may succeed."""

    def __init__(
        self,
        error: str,
        *,
        transient: bool,
        response: str | None = None,
        refused: dict[str, str] | None = None,
    ):
        super().__init__(error)
        self.error = error
        self.transient = transient
        self.response = response
        self.refused = refused or {}


@dataclass(frozen=True)
class Accepted:
    """The server took the email: its reply to DATA and any refused recipients."""

    response: str
    refused: dict[str, str] = field(default_factory=dict)


def send(
    login: ServerLogin,
    sender: str,
    recipients: list[str],
    data: bytes,
    deadline: float,
) -> Accepted:
    """Log in and run one mail transaction, all within `deadline` seconds
    (connect to QUIT); raise SendFailure when not sent."""
    client = new_smtp(login)
    try:
        with socket_deadline(deadline, lambda: client.sock):
            return _session(client, login, sender, recipients, data)
    except DeadlineExceeded as exc:
        # The server may have taken the email just before the cut; the retry
        # sends it again with the same Message-ID (delivery is at least once).
        raise SendFailure(f"{login.address}: {exc}", transient=True) from exc


def _session(
    client: smtplib.SMTP,
    login: ServerLogin,
    sender: str,
    recipients: list[str],
    data: bytes,
) -> Accepted:
    try:
        open_smtp(login, client)
    except MailServerError as exc:
        raise SendFailure(exc.detail, transient=_login_transient(exc)) from exc
    try:
        return _transaction(client, sender, recipients, data)
    except smtplib.SMTPResponseException as exc:
        answer = reply_text(exc.smtp_code, exc.smtp_error)
        raise SendFailure(
            f"{login.address} answered {answer}",
            transient=_is_transient(exc.smtp_code),
            response=answer,
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailure(
            f"{login.address}: connection lost while sending ({exc})", transient=True
        ) from exc
    finally:
        with contextlib.suppress(Exception):
            client.quit()


def _transaction(
    client: smtplib.SMTP, sender: str, recipients: list[str], data: bytes
) -> Accepted:
    client.ehlo_or_helo_if_needed()
    options = [f"SIZE={len(data)}"] if client.has_extn("size") else []
    code, text = client.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, text, sender)
    refused = {}
    for rcpt in recipients:
        code, text = client.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = reply_text(code, text)
    if len(refused) == len(recipients):
        _reset(client)
        raise _all_refused(refused)
    code, text = client.data(data)
    if code != 250:
        raise smtplib.SMTPDataError(code, text)
    return Accepted(reply_text(code, text), refused)


def _all_refused(refused: dict[str, str]) -> SendFailure:
    # Retry while one refusal is temporary: that recipient may accept later.
    transient = any(answer.startswith("4") for answer in refused.values())
    return SendFailure(
        "every recipient was refused",
        transient=transient,
        response=list(refused.values())[-1],
        refused=refused,
    )


def _login_transient(exc: MailServerError) -> bool:
    cause = exc.__cause__
    if isinstance(cause, smtplib.SMTPResponseException):
        return _is_transient(cause.smtp_code)
    # A wrong password, a certificate or TLS mismatch will not fix itself.
    return exc.kind == "connection"


def _is_transient(code: int) -> bool:
    return 400 <= code < 500


def reply_text(code: int, text: bytes | str) -> str:
    """'550 5.1.1 no such user' from smtplib's code and (multi-line) text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _reset(client: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        client.rset()
