"""Open logged-in IMAP and SMTP connections for an account.

This is the edge where socket, TLS and protocol errors become the service's
own `MailServerError` kinds, each with a message that says what to check.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imap_tools import BaseMailBox
from imap_tools.errors import ImapToolsError

from app.errors import UpstreamError


class MailServerError(UpstreamError):
    """A mail server could not be used. `kind` tells why."""

    kind = "error"

    def __init__(self, protocol: str, server: str, detail: str):
        super().__init__(f"{protocol} {server}: {detail}")
        self.protocol = protocol
        self.server = server


class CannotConnect(MailServerError):
    kind = "connection"


class TlsFailed(MailServerError):
    kind = "tls"


class AuthenticationFailed(MailServerError):
    kind = "authentication"


class ProtocolFailed(MailServerError):
    kind = "protocol"


@dataclass(frozen=True)
class ServerLogin:
    """Everything needed to log in to one server; the password in clear."""

    host: str
    port: int
    security: str  # ssl | starttls | none
    username: str
    password: str
    tls_verify: bool = True
    timeout: float = 30.0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def tls_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def open_imap(
    login: ServerLogin, on_socket: Callable[[imaplib.IMAP4], None] | None = None
) -> BaseMailBox:
    """A logged-in imap-tools mailbox with no folder selected.

    `on_socket` sees the imaplib client as soon as its socket exists, before
    the greeting is read (e.g. to put a deadline on everything after).
    """
    try:
        mailbox = _imap_client(login, on_socket)
    except Exception as exc:
        raise translate("IMAP", login, exc) from exc
    try:
        if _is_ascii(login.username, login.password):
            mailbox.login(login.username, login.password, initial_folder=None)
        else:
            # LOGIN takes ASCII only; SASL PLAIN carries UTF-8 (RFC 4616).
            mailbox.login_utf8(login.username, login.password, initial_folder=None)
    except Exception as exc:
        _close_quietly(mailbox)
        raise translate("IMAP", login, exc, during_login=True) from exc
    return mailbox


class _Announcing(imaplib.IMAP4):
    """An imaplib client that reports its socket before it reads the greeting."""

    def __init__(self, *args: Any, on_socket: Callable | None = None, **kw: Any):
        self._on_socket = on_socket
        super().__init__(*args, **kw)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        self.sock = super()._create_socket(timeout)  # type: ignore[misc]
        if self._on_socket is not None:
            self._on_socket(self)
        return self.sock


class _AnnouncingSsl(_Announcing, imaplib.IMAP4_SSL):
    pass


class _MailBox(BaseMailBox):
    """An imap-tools mailbox over an imaplib client made by `make_client`."""

    def __init__(self, make_client: Callable[[], imaplib.IMAP4]):
        self._make_client = make_client
        super().__init__()

    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return self._make_client()


def _imap_client(
    login: ServerLogin, on_socket: Callable[[imaplib.IMAP4], None] | None
) -> BaseMailBox:
    address = {"host": login.host, "port": login.port, "timeout": login.timeout}
    if login.security == "ssl":
        context = tls_context(login.tls_verify)
        return _MailBox(
            lambda: _AnnouncingSsl(**address, ssl_context=context, on_socket=on_socket)
        )
    if login.security == "starttls":
        return _MailBox(
            lambda: _starttls(_Announcing(**address, on_socket=on_socket), login)
        )
    return _MailBox(lambda: _Announcing(**address, on_socket=on_socket))


def _starttls(client: imaplib.IMAP4, login: ServerLogin) -> imaplib.IMAP4:
    try:
        client.starttls(tls_context(login.tls_verify))
    except BaseException:
        _close_quietly(client)
        raise
    return client


def new_smtp(login: ServerLogin) -> smtplib.SMTP:
    """An SMTP client not connected yet: hand it to open_smtp.

    Holding the client before it connects lets a caller bound the whole
    exchange, greeting included (see app.kit.deadline).
    """
    if login.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            timeout=login.timeout, context=tls_context(login.tls_verify)
        )
    else:
        client = smtplib.SMTP(timeout=login.timeout)
    # smtplib names the TLS server (SNI, certificate check) after the host it
    # was created with; connect() alone does not set it.
    client._host = login.host  # type: ignore[attr-defined]
    return client


def open_smtp(login: ServerLogin, client: smtplib.SMTP | None = None) -> smtplib.SMTP:
    """Connect `client` (or a new one): TLS set up and AUTH done when a user is
    given."""
    try:
        client = _smtp_connect(client or new_smtp(login), login)
    except Exception as exc:
        raise translate("SMTP", login, exc) from exc
    if not login.username:
        return client
    try:
        if _is_ascii(login.username, login.password):
            client.login(login.username, login.password)
        else:
            _auth_plain_utf8(client, login.username, login.password)
    except Exception as exc:
        _close_quietly(client)
        raise translate("SMTP", login, exc, during_login=True) from exc
    return client


def _is_ascii(*values: str) -> bool:
    return all(value.isascii() for value in values)


def _auth_plain_utf8(client: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN with UTF-8 credentials, which smtplib encodes as ASCII only."""
    client.ehlo_or_helo_if_needed()
    token = b"\0" + username.encode() + b"\0" + password.encode()
    code, text = client.docmd("AUTH", "PLAIN " + base64.b64encode(token).decode())
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


def _smtp_connect(client: smtplib.SMTP, login: ServerLogin) -> smtplib.SMTP:
    try:
        code, message = client.connect(login.host, login.port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, message)
        if login.security == "starttls":
            client.starttls(context=tls_context(login.tls_verify))
    except BaseException:
        _close_quietly(client)
        raise
    return client


def translate(
    protocol: str, login: ServerLogin, exc: Exception, *, during_login: bool = False
) -> MailServerError:
    """Turn a library error into the kind of failure a person can act on."""
    server = login.address
    if isinstance(exc, UnicodeError):
        # The message would quote the characters it could not encode, which
        # may come from the password.
        return ProtocolFailed(
            protocol, server, "the server refused characters in the login or data"
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TlsFailed(
            protocol,
            server,
            f"the server's TLS certificate was not trusted ({exc.verify_message}); "
            "install its CA or, for a self-signed certificate, set tlsVerify: false",
        )
    if isinstance(exc, ssl.SSLError):
        return TlsFailed(
            protocol,
            server,
            f"TLS handshake failed ({exc.reason or exc}); check that security "
            f"'{login.security}' matches the port",
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError) or (
        during_login and isinstance(exc, ImapToolsError | imaplib.IMAP4.error)
    ):
        return AuthenticationFailed(
            protocol,
            server,
            f"authentication failed for user '{login.username}': {_server_text(exc)}",
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ProtocolFailed(
            protocol, server, f"the server does not support this: {_server_text(exc)}"
        )
    if isinstance(exc, socket.gaierror):
        return CannotConnect(protocol, server, f"host name not found ({exc.strerror})")
    if isinstance(exc, TimeoutError | socket.timeout):
        return CannotConnect(
            protocol, server, "timed out; check the host, port and firewall"
        )
    if isinstance(exc, ConnectionRefusedError):
        return CannotConnect(
            protocol, server, "connection refused; is the server running on that port?"
        )
    if isinstance(exc, OSError | EOFError | smtplib.SMTPServerDisconnected):
        return CannotConnect(protocol, server, f"connection failed ({exc})")
    return ProtocolFailed(protocol, server, _server_text(exc))


def _server_text(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error
        text = (
            message.decode("utf-8", "replace")
            if isinstance(message, bytes)
            else message
        )
        return f"{exc.smtp_code} {text}"
    return str(exc) or type(exc).__name__


def _close_quietly(client: object) -> None:
    for name in ("logout", "quit", "close"):
        method = getattr(client, name, None)
        if method is None:
            continue
        with contextlib.suppress(Exception):
            method()
        return
