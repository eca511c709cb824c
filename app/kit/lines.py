"""What a value that must stay on one line (an email header) may not contain."""

from __future__ import annotations

from email import policy

# Every character str.splitlines() splits on: the standard `email` package
# refuses a header value it splits into several lines, and CR or LF would start
# a new header (RFC 5322 2.2). NUL is refused too (RFC 5322 3.2.4).
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
FORBIDDEN = LINE_BREAKS | {"\0"}
RULE = "line breaks (CR, LF, U+2028 and the like) and NUL are not allowed"


def has_line_break(value: str) -> bool:
    """True when the value holds a line break of any kind, or a NUL."""
    return not FORBIDDEN.isdisjoint(value)


def header_has_line_break(value: str) -> bool:
    """True when the value, or its text once RFC 2047 encoded words are decoded,
    holds a line break or a NUL."""
    # The `email` package decodes encoded words when a header is set and writes
    # the decoded text back out: '=?utf-8?q?=0D=0A?=' would become a real CRLF.
    if has_line_break(value):
        return True
    return has_line_break(str(policy.default.header_factory("subject", value)))
