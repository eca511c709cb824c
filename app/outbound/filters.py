"""Which events a webhook receives: its event list and its filters.

Filters are matched when an event is recorded. Every filter given must match;
a filter's value may be a list, any element matching:

- `accountId`: the account the event is about;
- `folder`: the mailbox folder (`INBOX` in any case, other names exactly);
- `from`, `to`: an address, or `*@domain` for any address at that domain,
  case-insensitive; `to` matches if any recipient of the To field does;
- `subject`: a case-insensitive substring.
"""

from __future__ import annotations

from email.utils import getaddresses
from typing import Any

from app.events.types import EVENT_TYPES

FILTER_KEYS = ("accountId", "folder", "from", "to", "subject")
_ALIASES = {"account_id": "accountId", "account": "accountId"}
ALL_EVENTS = "*"


def normalise_events(events: list[str] | None) -> list[str]:
    """The subscribed event names; raise ValueError naming the valid ones."""
    names = list(dict.fromkeys(e.strip() for e in events or []))
    unknown = [n for n in names if n not in EVENT_TYPES and n != ALL_EVENTS]
    if unknown:
        raise ValueError(
            f"unknown event {', '.join(repr(n) for n in unknown)}; valid events: "
            f"{', '.join(EVENT_TYPES)}, or '*' (or an empty list) for all"
        )
    return [] if ALL_EVENTS in names else names


def normalise_filters(filters: dict[str, Any] | None) -> dict[str, list[str]]:
    """Filters as lists of strings under their canonical names."""
    result: dict[str, list[str]] = {}
    for key, value in (filters or {}).items():
        name = _ALIASES.get(key, key)
        if name not in FILTER_KEYS:
            raise ValueError(
                f"unknown filter '{key}'; valid filters: {', '.join(FILTER_KEYS)}"
            )
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise ValueError(
                f"filter '{key}' must be a non-empty string or a list of them"
            )
        result[name] = [v.strip() for v in values]
    return result


def wants(events: list[str], filters: dict[str, list[str]], event: Any) -> bool:
    """Whether a webhook subscribed to `events` with `filters` gets `event`."""
    if events and event.type not in events:
        return False
    data = event.data if isinstance(event.data, dict) else {}
    return all(
        any(_MATCHERS[key](pattern, event, data) for pattern in patterns)
        for key, patterns in filters.items()
    )


def _account(pattern: str, event: Any, data: dict[str, Any]) -> bool:
    return pattern in (event.account_id, data.get("accountId"))


def _folder(pattern: str, event: Any, data: dict[str, Any]) -> bool:
    folder = data.get("folder")
    if not isinstance(folder, str):
        return False
    # RFC 3501 section 5.1: INBOX is case-insensitive, other names are not.
    if folder.upper() == "INBOX":
        return pattern.upper() == "INBOX"
    return folder == pattern


def _from(pattern: str, event: Any, data: dict[str, Any]) -> bool:
    return any(address_matches(pattern, a) for a in _addresses(data.get("from")))


def _to(pattern: str, event: Any, data: dict[str, Any]) -> bool:
    return any(address_matches(pattern, a) for a in _addresses(data.get("to")))


def _subject(pattern: str, event: Any, data: dict[str, Any]) -> bool:
    subject = data.get("subject")
    return isinstance(subject, str) and pattern.casefold() in subject.casefold()


_MATCHERS = {
    "accountId": _account,
    "folder": _folder,
    "from": _from,
    "to": _to,
    "subject": _subject,
}


def _addresses(value: Any) -> list[str]:
    raw = [value] if isinstance(value, str) else value
    if not isinstance(raw, list):
        return []
    texts = [v for v in raw if isinstance(v, str)]
    return [address for _, address in getaddresses(texts) if address]


def address_matches(pattern: str, address: str) -> bool:
    """`pattern` is an address or `*@domain`; both compared case-insensitively."""
    pattern = pattern.strip().casefold()
    address = address.strip().casefold()
    if pattern.startswith("*@"):
        return address.rpartition("@")[2] == pattern[2:]
    return address == pattern
