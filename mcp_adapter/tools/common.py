"""What every tool module shares: annotations, argument types, path building."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from mcp.types import ToolAnnotations
from pydantic import Field


def hints(
    title: str,
    *,
    read_only: bool = False,
    destructive: bool = False,
    idempotent: bool = False,
    open_world: bool = False,
) -> ToolAnnotations:
    """MCP annotations, every hint explicit (the protocol's defaults are unsafe)."""
    return ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent or read_only,
        open_world_hint=open_world,
    )


def segment(value: str | int) -> str:
    """One URL path segment: an id can never climb to another route."""
    return quote(str(value), safe="")


AccountId = Annotated[
    str,
    Field(
        min_length=1,
        description="The account's id (starts with `acc_`), as list_accounts shows.",
    ),
]
Cursor = Annotated[
    str | None,
    Field(
        description="`nextCursor` from the previous page, to get the next one; "
        "omit for the first page."
    ),
]
Folder = Annotated[
    str,
    Field(
        min_length=1,
        description="IMAP folder name, e.g. `INBOX`, `Sent`, `Archive/2026` "
        "(list_folders shows them).",
    ),
]


Limit = Annotated[
    int, Field(ge=1, le=100, description="How many items to return at most (1-100).")
]
