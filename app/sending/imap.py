"""The IMAP side of sending: finding the message a reply answers, Sent copies."""

from __future__ import annotations

import contextlib
import logging
from email.headerregistry import Address

from imap_tools import AND, BaseMailBox, H, MailMessage, MailMessageFlags
from imap_tools.errors import MailboxFolderSelectError

from app.mail.connect import MailServerError, ServerLogin, open_imap, translate
from app.sending.mime import Original
from app.sending.schemas import ReplyTarget

logger = logging.getLogger(__name__)


class OriginalNotFound(Exception):
    """The message to answer is not in the mailbox; retrying will not help."""


def find_original(
    login: ServerLogin, target: ReplyTarget, folders: list[str]
) -> Original:
    """Look the message up by Message-ID or folder+UID, without marking it seen."""
    mailbox = open_imap(login)
    try:
        found = _search(mailbox, target, folders)
    except (OriginalNotFound, MailServerError):
        raise
    except Exception as exc:
        raise translate("IMAP", login, exc) from exc
    finally:
        with contextlib.suppress(Exception):
            mailbox.logout()
    return _original(found)


def _search(
    mailbox: BaseMailBox, target: ReplyTarget, folders: list[str]
) -> MailMessage:
    if target.uid is not None:
        found = _fetch_uid(mailbox, target.folder, target.uid)
        if found is None:
            raise OriginalNotFound(
                f"no message with UID {target.uid} in folder '{target.folder}' "
                "to reply to"
            )
        return found
    assert target.message_id is not None
    for folder in dict.fromkeys([target.folder, *folders]):
        found = _fetch_message_id(mailbox, folder, target.message_id)
        if found is not None:
            return found
    raise OriginalNotFound(
        f"no message with Message-ID {target.message_id} in "
        f"{', '.join(dict.fromkeys([target.folder, *folders]))} to reply to"
    )


def _select(mailbox: BaseMailBox, folder: str) -> bool:
    # EXAMINE (read-only, RFC 3501 6.3.2) so nothing, \Seen included, changes.
    try:
        mailbox.folder.set(folder, readonly=True)
    except MailboxFolderSelectError:
        return False
    return True


def _fetch_uid(mailbox: BaseMailBox, folder: str, uid: int) -> MailMessage | None:
    if not _select(mailbox, folder):
        raise OriginalNotFound(f"folder '{folder}' does not exist")
    for message in mailbox.fetch(AND(uid=str(uid)), mark_seen=False, headers_only=True):
        if message.uid == str(uid):
            return message
    return None


def _fetch_message_id(
    mailbox: BaseMailBox, folder: str, message_id: str
) -> MailMessage | None:
    if not _select(mailbox, folder):
        return None
    # SEARCH HEADER is a substring match (RFC 3501 6.4.4): compare exactly.
    criteria = AND(header=H("Message-ID", message_id))
    for message in mailbox.fetch(criteria, mark_seen=False, headers_only=True):
        if "".join((message.obj.get("Message-ID") or "").split()) == message_id:
            return message
    return None


def _original(message: MailMessage) -> Original:
    header = message.obj
    references = (header.get("References") or header.get("In-Reply-To") or "").split()
    message_id = "".join((header.get("Message-ID") or "").split()) or None
    people = message.reply_to_values or (message.from_values,)
    return Original(
        message_id=message_id,
        references=[r for r in references if r.startswith("<")],
        subject=message.subject,
        answer_to=[_address(p.name, p.email) for p in people if p and p.email],
    )


def _address(name: str, email: str) -> str:
    try:
        return str(Address(display_name=" ".join(name.split()), addr_spec=email))
    except (ValueError, IndexError):
        return email


def append_sent(login: ServerLogin, folder: str, data: bytes) -> None:
    """APPEND the exact bytes sent to `folder`, flagged \\Seen."""
    mailbox = open_imap(login)
    try:
        mailbox.append(data, folder, flag_set=[MailMessageFlags.SEEN])
    except Exception as exc:
        raise translate("IMAP", login, exc) from exc
    finally:
        with contextlib.suppress(Exception):
            mailbox.logout()
