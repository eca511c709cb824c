"""The IMAP commands the watcher and the messages API need, on an open mailbox.

imap-tools gives the connection and login; these functions speak the few
commands where the exact wire behaviour matters (UID ranges, PEEK, IDLE).
"""

from __future__ import annotations

import imaplib
import io
import re
import select
import ssl
import threading
import time
from dataclasses import dataclass
from typing import cast

from imap_tools import BaseMailBox

from app.mail import imapnames
from app.mail.imapnames import ListedFolder

IDLE_SLICE_SECONDS = 0.5
_UID = re.compile(rb"\bUID (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


class FolderMissing(Exception):
    """SELECT/EXAMINE refused a folder that LIST does not show."""


class CommandFailed(Exception):
    """The server answered NO or BAD to a command."""


@dataclass(frozen=True)
class FolderPosition:
    uidvalidity: int
    uidnext: int
    exists: int


@dataclass(frozen=True)
class Fetched:
    uid: int
    flags: tuple[str, ...]
    size: int
    data: bytes  # the whole message, or only its header
    meta: bytes  # the FETCH response line (BODYSTRUCTURE lives there)


def examine(mailbox: BaseMailBox, folder: str) -> FolderPosition:
    """Open `folder` read-only (EXAMINE: flags cannot change) and say where it is."""
    client = mailbox.client
    status, data = client.select(imapnames.mailbox_arg(folder), True)
    if status != "OK":
        if not folder_exists(mailbox, folder):
            raise FolderMissing(folder)
        raise CommandFailed(f"EXAMINE {folder} failed: {_text(data)}")
    values: dict[str, int | None] = {}
    for key in ("UIDVALIDITY", "UIDNEXT", "EXISTS"):
        _, found = client.response(key)
        values[key] = int(found[-1]) if found and found[-1] else None
    if values["UIDVALIDITY"] is None or values["UIDNEXT"] is None:
        # RFC 3501 requires both in the SELECT answer; STATUS is the fallback.
        values.update(folder_status(mailbox, folder, ("UIDVALIDITY", "UIDNEXT")))
    return FolderPosition(
        values["UIDVALIDITY"] or 0, values["UIDNEXT"] or 1, values["EXISTS"] or 0
    )


def list_folders(mailbox: BaseMailBox, pattern: str = "*") -> list[ListedFolder]:
    """Folders whose names match the LIST `pattern` (`*` and `%` are wildcards)."""
    status, data = mailbox.client.list('""', imapnames.mailbox_arg(pattern))
    _check(status, data, "LIST")
    return imapnames.parse_list(data)


def folder_exists(mailbox: BaseMailBox, folder: str) -> bool:
    """True when LIST shows a folder named exactly `folder`."""
    # The name doubles as a LIST pattern, where `*` and `%` match anything:
    # only an exact name counts.
    return any(f.name == folder for f in list_folders(mailbox, folder))


def folder_status(
    mailbox: BaseMailBox, folder: str, items: tuple[str, ...]
) -> dict[str, int]:
    """STATUS numbers of a folder, e.g. MESSAGES and UNSEEN (RFC 3501 6.3.10)."""
    arg = imapnames.mailbox_arg(folder)
    status, data = mailbox.client.status(arg, f"({' '.join(items)})")
    _check(status, data, "STATUS")
    return imapnames.parse_status(data)


def uids_above(mailbox: BaseMailBox, last_uid: int) -> list[int]:
    """UIDs greater than `last_uid`, ascending."""
    status, data = mailbox.client.uid("SEARCH", f"UID {last_uid + 1}:*")
    _check(status, data, "UID SEARCH")
    # `n:*` always matches the highest UID, even when it is below n
    # (RFC 3501 6.4.8), so the answer must be filtered.
    found = (int(u) for u in (data[0] or b"").split())
    return sorted(u for u in found if u > last_uid)


def search(mailbox: BaseMailBox, criteria: str) -> list[int]:
    """UIDs matching imap-tools criteria (its AND(...) quotes user text)."""
    charset = None if criteria.isascii() else "UTF-8"
    return sorted(int(u) for u in mailbox.uids(criteria, charset=charset))


def fetch(mailbox: BaseMailBox, uids: list[int], *, headers_only: bool) -> list:
    """Messages by UID without setting \\Seen (BODY.PEEK, RFC 3501 6.4.5)."""
    if not uids:
        return []
    section = "BODYSTRUCTURE BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
    uid_set = ",".join(str(u) for u in uids)
    items = f"(UID FLAGS RFC822.SIZE {section})"
    status, data = mailbox.client.uid("FETCH", uid_set, items)
    _check(status, data, "UID FETCH")
    wanted = set(uids)
    return [m for m in _responses(data) if m.uid in wanted]


def _responses(data: list) -> list[Fetched]:
    # imaplib splits each response at its literal: (text before, literal),
    # then the text after it (which may hold items sent after the body).
    result = []
    for index, item in enumerate(data):
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        after = data[index + 1] if index + 1 < len(data) else b""
        meta = item[0] + (after if isinstance(after, bytes) else b"")
        fetched = _fetched(meta, item[1])
        if fetched is not None:
            result.append(fetched)
    return result


def _fetched(meta: bytes, body: bytes) -> Fetched | None:
    uid = _UID.search(meta)
    if uid is None:
        return None
    flags = _FLAGS.search(meta)
    size = _SIZE.search(meta)
    return Fetched(
        uid=int(uid.group(1)),
        flags=tuple(flags.group(1).decode("ascii", "replace").split()) if flags else (),
        size=int(size.group(1)) if size else len(body),
        data=body,
        meta=meta,
    )


def supports_idle(mailbox: BaseMailBox) -> bool:
    """True when the server advertises IDLE (RFC 2177) after login."""
    status, data = mailbox.client.capability()
    if status == "OK" and data and data[-1]:
        return b"IDLE" in data[-1].upper().split()
    return "IDLE" in mailbox.client.capabilities


def wait_for_change(
    mailbox: BaseMailBox, seconds: float, stop: threading.Event
) -> bool:
    """IDLE on the selected folder; True when the server reports a change.

    Returns early when `stop` is set. The socket is polled in short slices so
    a stopping service does not wait for the server.
    """
    client = mailbox.client
    # EXISTS seen while fetching (or while IDLE starts) means mail came in
    # after the last search: look again instead of waiting (RFC 3501 7.3.1).
    if client.untagged_responses.get("EXISTS"):
        return True
    mailbox.idle.start()
    deadline = time.monotonic() + seconds
    changed = bool(client.untagged_responses.get("EXISTS"))
    while not stop.is_set() and not changed:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if _readable(client, min(IDLE_SLICE_SECONDS, remaining)):
            line = client._get_line()
            # "* OK Still here" keeps the connection alive; anything else
            # (EXISTS, EXPUNGE, FETCH) is a reason to look again.
            changed = not line.startswith(b"* OK")
    if stop.is_set():
        return changed
    mailbox.idle.stop()
    return changed


def _readable(client: imaplib.IMAP4, timeout: float) -> bool:
    # A line may already sit in imaplib's read buffer (it arrived in the same
    # packet as "+ idling"), where select() on the socket cannot see it.
    sock = client.sock
    if _buffered(client) or (isinstance(sock, ssl.SSLSocket) and sock.pending()):
        return True
    readable, _, _ = select.select([sock], [], [], timeout)
    return bool(readable)


def _buffered(client: imaplib.IMAP4) -> bool:
    sock = client.sock
    previous = sock.gettimeout()
    sock.settimeout(0)
    try:
        return bool(cast(io.BufferedReader, client.file).peek(1))
    except OSError:
        return False  # nothing buffered and nothing on the socket yet
    finally:
        sock.settimeout(previous)


def _check(status: str, data: object, command: str) -> None:
    if status != "OK":
        raise CommandFailed(f"{command} failed: {_text(data)}")


def _text(data: object) -> str:
    if isinstance(data, list) and data and isinstance(data[0], bytes):
        return data[0].decode("utf-8", "replace")
    return str(data)
