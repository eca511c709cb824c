"""What every route and worker of one service process shares."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlmodel import Session

from app import db
from app.config import Settings
from app.kit.secretbox import (
    SecretBox,
    load_or_create_key,
    random_token,
    write_private_file,
)

logger = logging.getLogger(__name__)

TOKEN_FILE_NAME = "api-token"


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    box: SecretBox
    api_token: str
    _wakeups: dict[str, threading.Event] = field(default_factory=dict)

    def wakeup(self, name: str) -> threading.Event:
        """The event a worker named `name` sleeps on."""
        return self._wakeups.setdefault(name, threading.Event())

    def wake(self, name: str) -> None:
        """Tell the worker `name` (if it runs in this process) there is work."""
        self.wakeup(name).set()

    def session(self) -> Session:
        """A session that wakes the workers asked for by `wake_after_commit`."""
        session = Session(self.engine, expire_on_commit=False)
        event.listen(session, "after_commit", self._wake_requested)
        return session

    def _wake_requested(self, session: Session) -> None:
        for name in session.info.pop("wake", ()):
            self.wake(name)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction for a background job: commits on success."""
        with self.session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


def build_context(settings: Settings) -> AppContext:
    """Create the home directory, key, token and engine; migrate the schema."""
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    box = SecretBox(load_or_create_key(settings.home, secret))
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    return AppContext(
        settings=settings, engine=engine, box=box, api_token=api_token(settings)
    )


def token_path(home: Path) -> Path:
    return home / TOKEN_FILE_NAME


def api_token(settings: Settings) -> str:
    """The configured token, else the one in `<home>/api-token` (made if absent)."""
    if settings.api.token:
        return settings.api.token.get_secret_value()
    path = token_path(settings.home)
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    token = "mm_" + random_token()
    write_private_file(path, (token + "\n").encode("ascii"))
    logger.info("generated an API token", extra={"path": str(path)})
    return token


def get_ctx(request: Request) -> AppContext:
    return request.app.state.ctx


def get_session(ctx: AppContext = Depends(get_ctx)) -> Iterator[Session]:
    """A session for one request; the route commits what it changed."""
    with ctx.session() as session:
        yield session
