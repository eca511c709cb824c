"""Inbound webhook storage. Services flush; callers commit."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.config import Settings
from app.errors import Conflict, NotFound, ValidationFailed
from app.inbound import actions as action_rules
from app.inbound.paths import ID_PREFIX
from app.inbound.schemas import (
    SECRET_HEADER,
    SIGNATURE_HEADER,
    ActionIn,
    InboundWebhookCreate,
    InboundWebhookOut,
    InboundWebhookUpdate,
    InvocationOut,
)
from app.kit.ids import new_id
from app.kit.pagination import paginate
from app.kit.secretbox import SecretBox
from app.models import Account, InboundWebhook, Invocation
from app.models.base import touch

logger = logging.getLogger(__name__)


def new_secret() -> str:
    """A random secret, as `openssl rand -hex 32` would make."""
    return secrets.token_hex(32)


def get_webhook(session: Session, webhook_id: str) -> InboundWebhook:
    webhook = session.get(InboundWebhook, webhook_id)
    if webhook is None:
        raise NotFound(
            f"no inbound webhook with id '{webhook_id}'; "
            "GET /api/webhooks/inbound lists them"
        )
    return webhook


def find_by_id_or_path(session: Session, key: str) -> InboundWebhook | None:
    """The webhook served at /webhook/<key>: by id first, then by path alias."""
    webhook = session.get(InboundWebhook, key)
    if webhook is None:
        query = select(InboundWebhook).where(InboundWebhook.path == key.strip("/"))
        webhook = session.exec(query).first()
    return webhook


def list_webhooks(
    session: Session, *, limit: int, cursor: str | None
) -> tuple[list[InboundWebhook], str | None]:
    return paginate(session, InboundWebhook, limit=limit, cursor=cursor)


def create_webhook(
    session: Session, box: SecretBox, data: InboundWebhookCreate
) -> tuple[InboundWebhook, str]:
    """Store a webhook; returns it and its secret in clear (shown once)."""
    secret = data.secret or new_secret()
    webhook = InboundWebhook(
        id=new_id(ID_PREFIX),
        name=data.name,
        description=data.description,
        secret_enc=box.encrypt(secret),
        auth_mode=data.auth_mode,
        actions=checked_actions(session, data.actions),
        enabled=data.enabled,
    )
    _set_path(session, webhook, data.path)
    session.add(webhook)
    _flush(session, webhook)
    logger.info("inbound webhook created", extra={"webhook_id": webhook.id})
    return webhook, secret


def update_webhook(
    session: Session,
    box: SecretBox,
    webhook: InboundWebhook,
    data: InboundWebhookUpdate,
) -> None:
    """Apply the fields given; an explicit null removes the path or description."""
    given = data.model_fields_set
    for name in ("name", "auth_mode", "enabled"):
        if getattr(data, name) is not None:
            setattr(webhook, name, getattr(data, name))
    if "description" in given:
        webhook.description = data.description
    if "path" in given:
        _set_path(session, webhook, data.path)
    if data.actions is not None:
        webhook.actions = checked_actions(session, data.actions)
    if data.secret is not None:
        webhook.secret_enc = box.encrypt(data.secret)
    touch(webhook)
    _flush(session, webhook)


def rotate_secret(
    session: Session, box: SecretBox, webhook: InboundWebhook, secret: str | None
) -> str:
    """Replace the secret at once (callers must switch); returns the new one."""
    secret = secret or new_secret()
    webhook.secret_enc = box.encrypt(secret)
    touch(webhook)
    session.flush()
    logger.info("inbound webhook secret rotated", extra={"webhook_id": webhook.id})
    return secret


def delete_webhook(session: Session, webhook: InboundWebhook) -> None:
    """Remove a webhook; its invocation history goes with it."""
    for invocation in session.exec(
        select(Invocation).where(Invocation.webhook_id == webhook.id)
    ):
        session.delete(invocation)
    session.delete(webhook)
    session.flush()


def checked_actions(session: Session, actions: list[ActionIn]) -> list[dict[str, Any]]:
    """Actions in stored form, or a 422 naming every problem."""
    stored = [action_rules.normalise_action(a.model_dump()) for a in actions]
    problems = []
    for index, action in enumerate(stored):
        problems += action_rules.check_action(action, index)
        problems += [
            f"actions[{index}].accountId: no account with id '{account_id}'; "
            "GET /api/accounts lists them"
            for account_id in action_rules.literal_account_ids(action)
            if session.get(Account, account_id) is None
        ]
    if problems:
        raise ValidationFailed("; ".join(problems))
    return stored


def _set_path(session: Session, webhook: InboundWebhook, path: str | None) -> None:
    if path is not None and path != webhook.path:
        if session.get(InboundWebhook, path) is not None:
            raise Conflict(f"path '{path}' is the id of another webhook")
        taken = select(InboundWebhook.id).where(InboundWebhook.path == path)
        if session.exec(taken).first() is not None:
            raise _path_taken(path)
    webhook.path = path


def _path_taken(path: str) -> Conflict:
    return Conflict(
        f"path '{path}' is already used by another inbound webhook; choose another"
    )


def _flush(session: Session, webhook: InboundWebhook) -> None:
    # Two requests may claim the same path at once; the unique index decides.
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise _path_taken(webhook.path or "") from exc


def to_out(webhook: InboundWebhook, settings: Settings) -> InboundWebhookOut:
    """The public view of a webhook: URLs, never the secret."""
    base = settings.webhooks.base_url.rstrip("/")
    header = SIGNATURE_HEADER if webhook.auth_mode == "hmac" else SECRET_HEADER
    return InboundWebhookOut(
        id=webhook.id,
        name=webhook.name,
        description=webhook.description,
        path=webhook.path,
        url=f"{base}/webhook/{webhook.id}",
        path_url=f"{base}/webhook/{webhook.path}" if webhook.path else None,
        auth_mode=webhook.auth_mode,  # type: ignore[arg-type]
        auth_header=header,
        actions=webhook.actions,
        enabled=webhook.enabled,
        created_at=webhook.created_at,
        updated_at=webhook.updated_at,
    )


def list_invocations(
    session: Session, webhook: InboundWebhook, *, limit: int, cursor: str | None
) -> tuple[list[InvocationOut], str | None]:
    rows, next_cursor = paginate(
        session,
        Invocation,
        Invocation.webhook_id == webhook.id,
        limit=limit,
        cursor=cursor,
    )
    return [InvocationOut.model_validate(r) for r in rows], next_cursor
