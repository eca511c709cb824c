"""Folder names on the IMAP wire: quoting them in commands, reading them in LIST.

Names travel in modified UTF-7 (RFC 3501 5.1.3). A name is sent as a quoted
string with `\\` and `"` escaped; a LIST answer may give it as an atom, a
quoted string or a literal (RFC 3501 4, 9; RFC 9051 4).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass

from imap_tools.imap_utf7 import utf7_decode, utf7_encode

_FORBIDDEN = re.compile(r"[\r\n\x00]")
_LITERAL_END = re.compile(rb"\{(\d+)\+?\}$")
_ATOM_END = b' ()"'
_STATUS_ITEMS = re.compile(rb"\(([^()]*)\)\s*$")


class BadFolderName(ValueError):
    """A folder name that no IMAP command can carry."""


@dataclass(frozen=True)
class ListedFolder:
    name: str
    delimiter: str | None
    flags: tuple[str, ...]


def check_name(name: str) -> str:
    """`name` unchanged, or BadFolderName when it holds CR, LF or NUL."""
    # Neither a quoted string nor a mailbox name may hold these (RFC 3501 9).
    if _FORBIDDEN.search(name):
        raise BadFolderName(
            "a folder name cannot contain line breaks (CR, LF) or NUL characters"
        )
    return name


def mailbox_arg(name: str) -> str:
    """`name` as a command argument: modified UTF-7 in a quoted string."""
    encoded = utf7_encode(check_name(name)).decode("ascii")
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_name(raw: bytes) -> str:
    """A mailbox name from the wire; bytes that are not modified UTF-7 kept as text."""
    try:
        return utf7_decode(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", "replace")


def parse_list(data: list) -> list[ListedFolder]:
    """The folders of a LIST answer as imaplib hands it over; odd lines skipped."""
    result = []
    for tokens in _responses(data):
        listed = _listed(tokens)
        if listed is not None:
            result.append(listed)
    return result


def parse_status(data: list) -> dict[str, int]:
    """The numbers of a STATUS answer, e.g. {"MESSAGES": 3, "UNSEEN": 1}."""
    lines = [item for item in data if isinstance(item, bytes)]
    found = _STATUS_ITEMS.search(lines[-1]) if lines else None
    if found is None:
        return {}
    words = found.group(1).split()
    pairs = zip(words[::2], words[1::2], strict=False)
    return {
        k.decode("ascii", "replace").upper(): int(v) for k, v in pairs if v.isdigit()
    }


# A token is ("atom", bytes), ("string", bytes) or ("(", b"") / (")", b"").
Token = tuple[str, bytes]


def _responses(data: list) -> Iterator[list[Token]]:
    # imaplib gives a response with literals as (text up to "{n}", literal)
    # tuples followed by the bytes of the rest of the line.
    tokens: list[Token] = []
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            head = _LITERAL_END.sub(b"", item[0].rstrip())
            tokens.extend(_tokens(head))
            tokens.append(("string", bytes(item[1])))
        elif isinstance(item, bytes):
            tokens.extend(_tokens(item))
            yield tokens
            tokens = []
    if tokens:
        yield tokens


def _listed(tokens: list[Token]) -> ListedFolder | None:
    if not tokens or tokens[0][0] != "(":
        return None
    try:
        end = tokens.index((")", b""))
    except ValueError:
        return None
    flags = tuple(value.decode("ascii", "replace") for _, value in tokens[1:end])
    rest = tokens[end + 1 :]
    if len(rest) < 2 or rest[1][0] not in ("atom", "string"):
        return None
    kind, delim = rest[0]
    delimiter = None if kind == "atom" and delim.upper() == b"NIL" else delim
    return ListedFolder(
        name=decode_name(rest[1][1]),
        delimiter=delimiter.decode("ascii", "replace") if delimiter else None,
        flags=flags,
    )


def _tokens(line: bytes) -> Iterator[Token]:
    index = 0
    while index < len(line):
        char = line[index : index + 1]
        if char == b" ":
            index += 1
        elif char in (b"(", b")"):
            yield (char.decode(), b"")
            index += 1
        elif char == b'"':
            value, index = _quoted(line, index + 1)
            yield ("string", value)
        else:
            start = index
            while index < len(line) and line[index : index + 1] not in _ATOM_END:
                index += 1
            yield ("atom", line[start:index])
            index = max(index, start + 1)


def _quoted(line: bytes, index: int) -> tuple[bytes, int]:
    """The unescaped quoted string starting at `index`, and where it ends."""
    out = bytearray()
    while index < len(line):
        byte = line[index]
        if byte == ord("\\") and index + 1 < len(line):
            out.append(line[index + 1])
            index += 2
        elif byte == ord('"'):
            return bytes(out), index + 1
        else:
            out.append(byte)
            index += 1
    return bytes(out), index
