"""Live mailbox access: folders, message lists and messages, straight from IMAP.

Nothing is stored. Folders are opened with EXAMINE and bodies fetched with
BODY.PEEK, so reading never marks a message \\Seen (RFC 3501 6.3.2, 6.4.5).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from imap_tools import AND, BaseMailBox
from imap_tools.errors import ImapToolsError

from app.accounts.service import server_login
from app.context import AppContext
from app.errors import BadRequest, GatewayTimeout, NotFound, ValidationFailed
from app.kit.deadline import DeadlineExceeded, socket_deadline
from app.mail import imapio, imapnames, limits, parsing
from app.mail.connect import CannotConnect, ServerLogin, open_imap, translate
from app.mail.imapnames import ListedFolder
from app.mail.schemas import (
    FolderOut,
    MessageOut,
    MessagePage,
    MessageSearch,
    MessageSummary,
)
from app.models import Account

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[\r\n\x00]")
_ATTACHMENT = re.compile(rb'"ATTACHMENT"|"MESSAGE" "RFC822"', re.IGNORECASE)
_NO_SELECT = {"\\noselect", "\\nonexistent"}


@contextlib.contextmanager
def _mailbox(ctx: AppContext, account: Account) -> Iterator[BaseMailBox]:
    """A logged-in mailbox, bounded in time and in calls per account."""
    imap = ctx.settings.imap
    seconds = imap.request_deadline_seconds
    login = server_login(account, "imap", ctx.box, min(imap.timeout_seconds, seconds))
    clients: list[imaplib.IMAP4] = []  # the imaplib client, once its socket exists
    try:
        with (
            limits.live_call(account.id, imap.max_live_calls_per_account, seconds),
            socket_deadline(seconds, lambda: clients[0].sock if clients else None),
            _session(login, account, clients.append) as mailbox,
        ):
            yield mailbox
    except DeadlineExceeded as exc:
        logger.warning("imap request deadline passed", extra={"account": account.id})
        raise GatewayTimeout(
            f"IMAP {login.address} did not finish within "
            f"imap.requestDeadlineSeconds ({seconds:g} s): the server is "
            "stalling or very slow; check it, or raise that setting"
        ) from exc


@contextlib.contextmanager
def _session(
    login: ServerLogin, account: Account, on_socket: Callable[[imaplib.IMAP4], None]
) -> Iterator[BaseMailBox]:
    """A logged-in mailbox; library errors leave as 502s that say what failed."""
    mailbox = open_imap(login, on_socket=on_socket)
    try:
        yield mailbox
    except imapnames.BadFolderName as exc:
        raise ValidationFailed(f"folder: {exc}") from exc
    except imapio.FolderMissing as exc:
        raise NotFound(
            f"no folder '{exc}' in this account; "
            f"GET /api/accounts/{account.id}/folders lists them"
        ) from exc
    except (imaplib.IMAP4.abort, EOFError) as exc:
        raise CannotConnect("IMAP", login.address, f"connection lost ({exc})") from exc
    except (imaplib.IMAP4.error, ImapToolsError, OSError, imapio.CommandFailed) as exc:
        raise translate("IMAP", login, exc) from exc
    finally:
        with contextlib.suppress(Exception):
            mailbox.logout()


def list_folders(ctx: AppContext, account: Account) -> list[FolderOut]:
    """Every folder with its message and unseen counts (STATUS, RFC 3501 6.3.10)."""
    with _mailbox(ctx, account) as mailbox:
        return [_folder_out(mailbox, info) for info in imapio.list_folders(mailbox)]


def _folder_out(mailbox: BaseMailBox, info: ListedFolder) -> FolderOut:
    out = FolderOut(name=info.name, delimiter=info.delimiter, flags=list(info.flags))
    if _NO_SELECT & {f.lower() for f in info.flags}:
        return out
    try:
        counts = imapio.folder_status(mailbox, info.name, ("MESSAGES", "UNSEEN"))
    except imaplib.IMAP4.abort:
        raise
    except (imapio.CommandFailed, imapnames.BadFolderName, imaplib.IMAP4.error):
        # One folder the server will not count must not hide the others.
        logger.info("folder status refused", extra={"folder": info.name})
        return out
    out.messages = counts.get("MESSAGES")
    out.unseen = counts.get("UNSEEN")
    return out


def search_criteria(query: MessageSearch) -> str:
    """IMAP SEARCH criteria; imap-tools quotes every user value."""
    params: dict[str, Any] = {}
    for name, key in (("from_", "from_"), ("to", "to"), ("subject", "subject")):
        value = getattr(query, name)
        if value:
            params[key] = _safe(name.rstrip("_"), value)
    if query.text:
        params["text"] = _safe("text", query.text)
    if query.since:
        params["date_gte"] = parse_since(query.since)
    if query.unseen:
        params["seen"] = False
    return str(AND(**params)) if params else "ALL"


def _folder(name: str) -> str:
    """`name` if an IMAP command can carry it, else a 422 saying why."""
    try:
        return imapnames.check_name(name)
    except imapnames.BadFolderName as exc:
        raise ValidationFailed(f"folder: {exc}") from exc


def _safe(name: str, value: str) -> str:
    if _UNSAFE.search(value):
        raise ValidationFailed(f"{name}: line breaks and NUL are not allowed")
    return value


def parse_since(value: str) -> date:
    """`2026-12-04` or an ISO date-time; IMAP SINCE compares whole days."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise ValidationFailed(
            f"since: '{value}' is not an ISO date like 2026-12-04 "
            "or a date-time like 2026-12-04T15:00:00Z"
        ) from exc


def _cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise BadRequest(
            "malformed cursor: pass back the `nextCursor` of the previous page"
        )
    return int(value)


def list_messages(
    ctx: AppContext, account: Account, query: MessageSearch
) -> MessagePage:
    """Summaries of matching messages, newest (highest UID) first."""
    criteria = search_criteria(query)
    before = _cursor(query.cursor)
    _folder(query.folder)
    with _mailbox(ctx, account) as mailbox:
        imapio.examine(mailbox, query.folder)
        uids = imapio.search(mailbox, criteria)
        if before is not None:
            uids = [u for u in uids if u < before]
        page = uids[-query.limit :][::-1]
        fetched = imapio.fetch(mailbox, page, headers_only=True)
    summaries = sorted(
        (_summary(query.folder, item) for item in fetched),
        key=lambda s: s.uid,
        reverse=True,
    )
    more = len(uids) > query.limit and bool(page)
    return MessagePage(items=summaries, next_cursor=str(page[-1]) if more else None)


def _summary(folder: str, item: imapio.Fetched) -> MessageSummary:
    head = parsing.envelope(parsing.load(item.data))
    return MessageSummary.model_validate(
        {
            **head,
            "uid": item.uid,
            "folder": folder,
            "seen": "\\Seen" in item.flags,
            "size": item.size,
            "hasAttachments": bool(_ATTACHMENT.search(item.meta)),
        }
    )


def fetch_raw(ctx: AppContext, account: Account, folder: str, uid: int) -> bytes:
    """The exact bytes of one message, without marking it seen (404 if absent)."""
    return _fetch_one(ctx, account, folder, uid).data


def _fetch_one(
    ctx: AppContext, account: Account, folder: str, uid: int
) -> imapio.Fetched:
    _folder(folder)
    with _mailbox(ctx, account) as mailbox:
        imapio.examine(mailbox, folder)
        found = imapio.fetch(mailbox, [uid], headers_only=False)
    if not found:
        raise NotFound(
            f"no message with uid {uid} in '{folder}'; "
            f"GET /api/accounts/{account.id}/messages?folder=... lists them"
        )
    return found[0]


def read_message(
    ctx: AppContext, account: Account, folder: str, uid: int
) -> MessageOut:
    """One message: headers, text, HTML and attachment metadata."""
    item = _fetch_one(ctx, account, folder, uid)
    parsed = parsing.parse_message(
        item.data, max_text_bytes=ctx.settings.imap.max_text_bytes, include_html=True
    )
    return MessageOut.model_validate(
        {
            **parsed,
            "uid": uid,
            "folder": folder,
            "seen": "\\Seen" in item.flags,
            "flags": list(item.flags),
            "size": item.size,
            "headers": parsing.all_headers(parsing.load(item.data)),
        }
    )
