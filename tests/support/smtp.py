"""An SMTP submission server (aiosmtpd) that delivers into a DovecotServer."""

import asyncio
import logging
import smtplib
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.certs import SelfSignedCert
from tests.support.dovecot import DovecotServer
from tests.support.ports import LOOPBACK, free_port, wait_for_port

logger = logging.getLogger(__name__)


class _DropLoginDataNotice(logging.Filter):
    # aiosmtpd warns about its own deprecated attribute on every AUTH; the
    # line says nothing about the product and buries real failures.
    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_DropLoginDataNotice())

TlsMode = Literal["none", "starttls", "implicit"]
Stage = Literal["MAIL", "RCPT", "DATA"]

DEFAULT_FAULT_TEXT = {4: "4.3.0 Try again later", 5: "5.7.1 Message refused"}
LMTP_TIMEOUT = 10.0


@dataclass(frozen=True)
class ReceivedMessage:
    """One accepted SMTP transaction."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str | None


@dataclass
class _Fault:
    stage: Stage
    reply: str
    remaining: int


class _Authenticator:
    """Checks AUTH PLAIN / LOGIN credentials with the owning server."""

    def __init__(self, owner: "SmtpServer") -> None:
        self.owner = owner

    def __call__(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if self.owner.accepts_login(login, password):
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)


class _Handler:
    """aiosmtpd hooks: auth gate, scripted faults, recording, LMTP forwarding."""

    def __init__(self, owner: "SmtpServer") -> None:
        self.owner = owner

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # aiosmtpd's own auth_required warns when TLS is optional; enforce here.
        if self.owner.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        fault = self.owner._take_fault("MAIL", envelope)
        if fault:
            return fault
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        fault = self.owner._take_fault("RCPT", envelope)
        if fault:
            return fault
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        fault = self.owner._take_fault("DATA", envelope)
        if fault:
            return fault
        message = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            login=session.auth_data if session.authenticated else None,
        )
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.owner._forward, message)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("LMTP delivery failed: %s", error)
            return "451 4.3.0 Local delivery failed"
        self.owner._record(message)
        return "250 2.0.0 Message accepted"


class SmtpServer:
    """SMTP with AUTH on 127.0.0.1 that hands every message to Dovecot over LMTP.

    Logins are those in ``users`` plus, like at a real mail provider, every
    Dovecot user with the same password. Recipients that are Dovecot users get
    the message in their INBOX; every accepted transaction is kept in
    ``messages`` either way.
    """

    host = LOOPBACK

    def __init__(
        self,
        dovecot: DovecotServer | None = None,
        users: dict[str, str] | None = None,
        *,
        tls: TlsMode = "none",
        cert: SelfSignedCert | None = None,
        require_auth: bool = True,
    ) -> None:
        if tls != "none" and cert is None:
            raise ValueError("a TLS mode needs a certificate")
        self.dovecot = dovecot
        self.users: dict[str, str] = dict(users or {})
        self.tls = tls
        self.cert = cert
        self.require_auth = require_auth
        self.port = free_port()
        self.messages: list[ReceivedMessage] = []
        self._faults: list[_Fault] = []
        self._faulted: weakref.WeakKeyDictionary[Envelope, str] = (
            weakref.WeakKeyDictionary()
        )
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="localhost",
            authenticator=_Authenticator(self),
            **self._tls_arguments(),
        )
        controller.start()
        self._controller = controller
        logger.info("SMTP (%s) up on %s", self.tls, self.port)

    def stop(self) -> None:
        if self._controller is None:
            return
        controller, self._controller = self._controller, None
        controller.stop()
        wait_for_port(self.port, timeout=5.0, open_=False)

    close = stop

    def __enter__(self) -> "SmtpServer":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting and assertions ------------------------------------------

    def add_user(self, login: str, password: str) -> None:
        self.users[login] = password

    def accepts_login(self, login: str, password: str) -> bool:
        if login in self.users:
            return self.users[login] == password
        return self.dovecot is not None and self.dovecot.password_of(login) == password

    def fail_next(
        self,
        code: int,
        *,
        stage: Stage = "RCPT",
        count: int = 1,
        text: str | None = None,
    ) -> None:
        """Answer `code` at `stage` in the next `count` transactions."""
        reply_text = text or DEFAULT_FAULT_TEXT.get(code // 100, "Refused")
        with self._changed:
            self._faults.append(_Fault(stage, f"{code} {reply_text}", count))

    def clear(self) -> None:
        """Forget recorded messages and pending faults."""
        with self._changed:
            self.messages.clear()
            self._faults.clear()
            self._faulted.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Block until `count` messages were accepted; return them all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(self.messages)} of {count} messages after {timeout}s"
                    )
                self._changed.wait(remaining)
            return list(self.messages)

    # -- called from the server thread -------------------------------------

    def _take_fault(self, stage: Stage, envelope: Envelope) -> str | None:
        """The scripted reply for this transaction at this stage, if any."""
        with self._changed:
            # Several RCPTs of one transaction count as one faulted transaction.
            if stage != "DATA" and envelope in self._faulted:
                return self._faulted[envelope]
            for fault in self._faults:
                if fault.stage == stage and fault.remaining > 0:
                    fault.remaining -= 1
                    if stage != "DATA":
                        self._faulted[envelope] = fault.reply
                    return fault.reply
            return None

    def _record(self, message: ReceivedMessage) -> None:
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    def _forward(self, message: ReceivedMessage) -> None:
        if self.dovecot is None:
            return
        local = [rcpt for rcpt in message.rcpt_tos if self.dovecot.has_user(rcpt)]
        if not local:
            return
        # LMTP answers once per recipient after DATA (RFC 2033) and smtplib
        # reads only the first answer, so each recipient gets its own transaction.
        with smtplib.LMTP(
            self.dovecot.host, self.dovecot.lmtp_port, timeout=LMTP_TIMEOUT
        ) as lmtp:
            for rcpt in local:
                lmtp.sendmail(message.mail_from, [rcpt], message.data)

    def _tls_arguments(self) -> dict[str, Any]:
        if self.tls == "none" or self.cert is None:
            return {"auth_require_tls": False}
        context = self.cert.server_context()
        if self.tls == "starttls":
            return {"tls_context": context, "require_starttls": True}
        # aiosmtpd only counts STARTTLS as TLS for AUTH; here the whole
        # connection is already encrypted.
        return {"ssl_context": context, "auth_require_tls": False}
