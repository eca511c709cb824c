"""Webhook path aliases: what is allowed and how it is written down."""

from __future__ import annotations

import re

ID_PREFIX = "inb"
MAX_PATH_LENGTH = 200

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
_ID_SHAPE = re.compile(rf"{ID_PREFIX}_[a-z0-9]+")


def normalise_path(raw: str) -> str:
    """`/automation/send-email/` → `automation/send-email`, or ValueError why not."""
    path = raw.strip().strip("/")
    if not path:
        raise ValueError("path is empty; give something like 'automation/send-email'")
    if len(path) > MAX_PATH_LENGTH:
        raise ValueError(f"path is longer than {MAX_PATH_LENGTH} characters")
    for segment in path.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(
                f"path segment '{segment}' is not allowed: use letters, digits, "
                "'-', '_', '.', '~', starting with a letter or digit, separated by '/'"
            )
    if _ID_SHAPE.fullmatch(path):
        raise ValueError(
            f"path '{path}' looks like a webhook id ({ID_PREFIX}_…) and could "
            "clash with one; choose another"
        )
    return path
