"""One account's watch: a thread with one IMAP connection for all its folders.

The first folder is watched with IDLE (RFC 2177) when the server has it; the
other folders are checked every `imap.pollIntervalSeconds` between IDLE
rounds, so only the first folder gets mail announced at once. Without IDLE
every folder is polled. One connection per account keeps well below the
per-user connection limits of common servers. Failures reconnect with capped
exponential backoff and jitter; the account's error state changes (and
`account.error` is recorded) only when the kind of failure changes.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import random
import socket
import threading
from dataclasses import dataclass

from imap_tools import BaseMailBox
from imap_tools.errors import ImapToolsError

from app.accounts.service import server_login
from app.context import AppContext
from app.kit.ids import utcnow
from app.mail import imapio, imapnames, watchstate
from app.mail.connect import (
    CannotConnect,
    MailServerError,
    ProtocolFailed,
    ServerLogin,
    open_imap,
    translate,
)
from app.mail.parsing import received_event_data
from app.models import Account

logger = logging.getLogger(__name__)

MAX_MESSAGES_PER_PASS = 200
FIRST_BACKOFF_SECONDS = 1.0
CLOSE_TIMEOUT_SECONDS = 2.0
MAIL_ERRORS = (
    MailServerError,
    imaplib.IMAP4.error,
    ImapToolsError,
    OSError,
    EOFError,
    imapio.FolderMissing,
    imapio.CommandFailed,
    imapnames.BadFolderName,
)


@dataclass(frozen=True)
class WatchTarget:
    """What a watch needs from its account, copied so the thread owns no ORM row."""

    account_id: str
    folders: tuple[str, ...]
    fingerprint: str
    login: ServerLogin

    @classmethod
    def of(cls, ctx: AppContext, account: Account) -> WatchTarget:
        timeout = ctx.settings.imap.timeout_seconds
        return cls(
            account_id=account.id,
            folders=tuple(account.folders or ["INBOX"]),
            fingerprint=fingerprint(account),
            login=server_login(account, "imap", ctx.box, timeout),
        )


def fingerprint(account: Account) -> str:
    """Changes whenever the account is edited, so the watch restarts with it."""
    return f"{account.updated_at.isoformat()}|{account.enabled}"


class AccountWatch:
    """The thread watching one account while this process holds its lease."""

    def __init__(self, ctx: AppContext, target: WatchTarget, holder: str):
        self.ctx = ctx
        self.target = target
        self.holder = holder
        self._stop = threading.Event()
        self._mailbox: BaseMailBox | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"mm-watch-{target.account_id}", daemon=True
        )

    @property
    def account_id(self) -> str:
        return self.target.account_id

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def signal_stop(self) -> None:
        """Ask the thread to end; a blocked network read is cut short."""
        self._stop.set()
        mailbox = self._mailbox
        if mailbox is not None:
            with contextlib.suppress(Exception):
                mailbox.client.sock.shutdown(socket.SHUT_RDWR)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        logger.info("account watch started", extra={"account_id": self.account_id})
        while not self._stop.is_set():
            try:
                self._connected_session()
                failures = 0
            except MAIL_ERRORS as exc:
                if self._stop.is_set():
                    break
                self._failed(self._as_mail_error(exc))
                failures += 1
            except Exception:
                if self._stop.is_set():
                    break
                logger.exception(
                    "account watch pass failed", extra={"account_id": self.account_id}
                )
                failures += 1
            self._stop.wait(self._backoff(failures))
        logger.info("account watch stopped", extra={"account_id": self.account_id})

    def _backoff(self, failures: int) -> float:
        if failures == 0:
            return 0
        cap = self.ctx.settings.imap.reconnect_max_seconds
        delay = min(cap, FIRST_BACKOFF_SECONDS * 2 ** (failures - 1))
        return delay * random.uniform(0.5, 1.0)

    def _as_mail_error(self, exc: BaseException) -> MailServerError:
        login = self.target.login
        if isinstance(exc, MailServerError):
            return exc
        if isinstance(exc, imapio.FolderMissing):
            return ProtocolFailed(
                "IMAP",
                login.address,
                f"folder '{exc}' does not exist; fix the account's `folders` "
                "(GET /api/accounts/{id}/folders lists them)",
            )
        if isinstance(exc, imapnames.BadFolderName):
            return ProtocolFailed(
                "IMAP",
                login.address,
                f"{exc}; fix the account's `folders`",
            )
        if isinstance(exc, imaplib.IMAP4.abort | EOFError):
            return CannotConnect("IMAP", login.address, f"connection lost ({exc})")
        return translate("IMAP", login, exc)  # type: ignore[arg-type]

    def _failed(self, error: MailServerError) -> None:
        logger.info(
            "account watch failed",
            extra={"account_id": self.account_id, "kind": error.kind},
        )
        watchstate.enter_error(
            self.ctx, self.account_id, self.holder, error.kind, error.detail
        )

    def _connected_session(self) -> None:
        mailbox = open_imap(self.target.login)
        self._mailbox = mailbox
        try:
            idle = self.ctx.settings.imap.use_idle and imapio.supports_idle(mailbox)
            self._watch(mailbox, idle)
        finally:
            self._mailbox = None
            _close(mailbox, polite=not self._stop.is_set())

    def _watch(self, mailbox: BaseMailBox, idle: bool) -> None:
        first_round = True
        first, *others = self.target.folders
        while not self._stop.is_set():
            more = [self._sync(mailbox, folder) for folder in others]
            # The first folder last: it stays selected for IDLE, so mail that
            # arrives after this sync is still reported to this session.
            more.append(self._sync(mailbox, first))
            self._status(connected=True, idle=False, last_sync_at=utcnow())
            if first_round:
                watchstate.clear_error(self.ctx, self.account_id, self.holder)
                first_round = False
            if any(more):
                continue  # a backlog: keep fetching before waiting
            if not idle:
                self._stop.wait(self.ctx.settings.imap.poll_interval_seconds)
                continue
            self._status(idle=True)
            imapio.wait_for_change(mailbox, self._idle_round(), self._stop)

    def _idle_round(self) -> float:
        settings = self.ctx.settings.imap
        if len(self.target.folders) == 1:
            return settings.idle_seconds
        return min(settings.idle_seconds, settings.poll_interval_seconds)

    def _status(self, **values: object) -> None:
        watchstate.set_status(self.ctx, self.account_id, self.holder, **values)

    def _sync(self, mailbox: BaseMailBox, folder: str) -> bool:
        """Announce new mail in `folder`; True when more is left for a next pass."""
        where = imapio.examine(mailbox, folder)
        saved = watchstate.folder_position(self.ctx, self.account_id, folder)
        if saved is None or saved.uidvalidity != where.uidvalidity:
            self._rebaseline(folder, saved is not None, where)
            return False
        if where.uidnext - 1 <= saved.last_uid:
            return False
        uids = imapio.uids_above(mailbox, saved.last_uid)
        for uid in uids[:MAX_MESSAGES_PER_PASS]:
            if self._stop.is_set():
                return False
            self._announce(mailbox, saved, uid)
        return len(uids) > MAX_MESSAGES_PER_PASS

    def _rebaseline(
        self, folder: str, known: bool, where: imapio.FolderPosition
    ) -> None:
        # A new UIDVALIDITY means the old UIDs mean nothing (RFC 3501 2.3.1.1):
        # start again from what is there now rather than announce it all.
        watchstate.baseline(
            self.ctx, self.account_id, folder, where.uidvalidity, where.uidnext - 1
        )
        message = "folder uidvalidity changed" if known else "folder baselined"
        log = logger.warning if known else logger.info
        log(
            message,
            extra={
                "account_id": self.account_id,
                "folder": folder,
                "uidvalidity": where.uidvalidity,
                "last_uid": where.uidnext - 1,
            },
        )

    def _announce(self, mailbox: BaseMailBox, position, uid: int) -> None:
        found = imapio.fetch(mailbox, [uid], headers_only=False)
        data = None
        if found:
            settings = self.ctx.settings.imap
            data = received_event_data(
                self.account_id,
                position.folder,
                uid,
                found[0].data,
                max_text_bytes=settings.max_text_bytes,
                include_html=settings.include_html,
            )
        if watchstate.record_received(self.ctx, position, uid, data):
            logger.info(
                "email received",
                extra={
                    "account_id": self.account_id,
                    "folder": position.folder,
                    "uid": uid,
                },
            )


def _close(mailbox: BaseMailBox, *, polite: bool) -> None:
    with contextlib.suppress(Exception):
        if polite:
            mailbox.client.sock.settimeout(CLOSE_TIMEOUT_SECONDS)
            mailbox.logout()
            return
    with contextlib.suppress(Exception):
        mailbox.client.shutdown()
