"""IMAP watchers: a supervisor keeping one watch thread per enabled account.

Each pass compares the enabled accounts with the running watches: it starts
watches for accounts whose lease it can take, restarts those whose account
changed, stops those disabled or deleted, and renews its leases. With several
processes on one database a lease row gives each account to exactly one of
them; when a holder dies its lease runs out and another process takes over.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from sqlmodel import col, select

from app.context import AppContext
from app.kit.ids import new_id
from app.mail import watchstate
from app.mail.account_watch import AccountWatch, WatchTarget, fingerprint
from app.models import Account
from app.workers import Worker

logger = logging.getLogger(__name__)

RETIRING_CHECK_SECONDS = 0.2
STOP_TIMEOUT_SECONDS = 5.0
MAX_PASS_SECONDS = 5.0


class WatchSupervisor(Worker):
    """Starts, restarts and stops the per-account watches of this process."""

    name = "watcher"

    def __init__(self, ctx: AppContext):
        super().__init__(ctx)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{new_id('w', 8)}"
        self.watches: dict[str, AccountWatch] = {}
        self.retiring: dict[str, AccountWatch] = {}

    def run_once(self) -> float:
        wanted = self._enabled_accounts()
        self._reap_retired(wanted)
        for account_id, watch in list(self.watches.items()):
            account = wanted.get(account_id)
            if account is None or fingerprint(account) != watch.target.fingerprint:
                self._retire(watch, "account changed or disabled")
            elif not watch.alive:
                self._retire(watch, "watch thread ended")
            elif not watchstate.renew_lease(self.ctx, account_id, self.holder):
                self._retire(watch, "lease lost")
        for account_id, account in wanted.items():
            if self.stopping:
                break
            if account_id not in self.watches and account_id not in self.retiring:
                self._start_quietly(account)
        if self.retiring:
            return RETIRING_CHECK_SECONDS
        return min(MAX_PASS_SECONDS, self.ctx.settings.imap.lease_seconds / 3)

    def _enabled_accounts(self) -> dict[str, Account]:
        with self.ctx.session() as session:
            query = select(Account).where(col(Account.enabled).is_(True))
            return {a.id: a for a in session.exec(query)}

    def _start_quietly(self, account: Account) -> None:
        try:
            self._maybe_start(account)
        except Exception:
            # One account that cannot start (say, a password encrypted with
            # another key) must not keep the others from being watched.
            logger.exception(
                "could not start an account watch", extra={"account_id": account.id}
            )

    def _maybe_start(self, account: Account) -> None:
        if not watchstate.acquire_lease(self.ctx, account.id, self.holder):
            return
        watch = AccountWatch(self.ctx, WatchTarget.of(self.ctx, account), self.holder)
        self.watches[account.id] = watch
        watch.start()

    def _retire(self, watch: AccountWatch, reason: str) -> None:
        logger.info(
            "stopping account watch",
            extra={"account_id": watch.account_id, "reason": reason},
        )
        watch.signal_stop()
        del self.watches[watch.account_id]
        self.retiring[watch.account_id] = watch

    def _reap_retired(self, wanted: dict[str, Account]) -> None:
        for account_id, watch in list(self.retiring.items()):
            if watch.alive:
                continue
            del self.retiring[account_id]
            if account_id not in wanted:
                watchstate.release_lease(self.ctx, account_id, self.holder)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the supervisor, then every watch, within a few seconds."""
        super().stop(timeout)
        everything = [*self.watches.values(), *self.retiring.values()]
        for watch in everything:
            watch.signal_stop()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for watch in everything:
            watch.join(max(0.0, deadline - time.monotonic()))
            if not watch.alive:
                _release_quietly(self.ctx, watch.account_id, self.holder)
        self.watches.clear()
        self.retiring.clear()


def _release_quietly(ctx: AppContext, account_id: str, holder: str) -> None:
    try:
        watchstate.release_lease(ctx, account_id, holder)
    except Exception:
        logger.exception(
            "could not release a watch lease", extra={"account_id": account_id}
        )


def workers(ctx: AppContext) -> list[Worker]:
    """The workers of this kind that one service process runs."""
    return [WatchSupervisor(ctx)]
