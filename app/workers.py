"""Background workers: each a thread that loops until the service stops.

A worker sleeps until its wake-up event is set (new work queued in this
process) or until the delay its last pass asked for runs out, so a job queued
by a request starts at once and a job queued elsewhere is picked up by polling.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

from app.context import AppContext

logger = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 5.0


class Worker(ABC):
    """Subclasses implement `run_once`; the loop, pacing and shutdown live here."""

    name: str = "worker"

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def run_once(self) -> float | None:
        """Do the work that is due; return seconds until the next pass."""

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._loop, name=f"mm-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.ctx.wake(self.name)
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        wakeup = self.ctx.wakeup(self.name)
        logger.info("worker started", extra={"worker": self.name})
        while not self._stop.is_set():
            wakeup.clear()
            try:
                delay = self.run_once()
            except Exception:
                logger.exception("worker pass failed", extra={"worker": self.name})
                delay = DEFAULT_IDLE_SECONDS
            wakeup.wait(DEFAULT_IDLE_SECONDS if delay is None else max(delay, 0))
        logger.info("worker stopped", extra={"worker": self.name})
