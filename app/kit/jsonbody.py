"""JSON bodies that survive `JSON.stringify(JSON.parse(body))` byte for byte.

Receivers often check a signature over the re-serialised body, so what we send
must be exactly what JavaScript's JSON.stringify (ECMA-262, QuoteJSONString and
OrdinaryOwnPropertyKeys) writes back:

- compact separators, non-ASCII characters written raw as UTF-8 (U+2028 and
  U+2029 included), "/" and DEL unescaped;
- `"` and `\\` escaped, the control characters \\b \\t \\n \\f \\r in their short
  forms and the other ones below U+0020 as lowercase `\\u00xx`;
- lone surrogates escaped as lowercase `\\udxxx` (well-formed JSON.stringify);
- object keys that are array indexes ("0" … "4294967294") first, in ascending
  numeric order, then the other keys in insertion order, as JavaScript objects
  enumerate them;
- integers only, within ±(2**53 - 1): larger ones would lose digits in a
  JavaScript number, so they are written as strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
MAX_ARRAY_INDEX = 2**32 - 2

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,9}")


def to_json_safe(value: Any) -> Any:
    """A copy of `value` holding only what a body may carry (see the module doc).

    Integral floats become integers, other floats and out-of-range integers
    become strings, NaN and infinities become null (as JSON.stringify writes
    them), datetimes become ISO 8601 strings and tuples become lists.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        return _float_value(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_key(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_safe(item) for item in value]
    raise TypeError(f"cannot put a {type(value).__name__} in a JSON body")


def _float_value(value: float) -> Any:
    if not math.isfinite(value):
        return None
    if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return repr(value)


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
    return key


def dumps(value: Any) -> str:
    """Serialise a value made by `to_json_safe` the way JSON.stringify does."""
    parts: list[str] = []
    _write(to_json_safe(value), parts)
    return "".join(parts)


def encode(value: Any) -> bytes:
    """`dumps` as UTF-8 bytes: the body sent on the wire."""
    return dumps(value).encode("utf-8")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(quote(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, dict):
        _write_object(value, out)
    else:
        _write_array(value, out)


def _write_object(value: dict[str, Any], out: list[str]) -> None:
    out.append("{")
    for position, key in enumerate(_js_key_order(value)):
        if position:
            out.append(",")
        out.append(quote(key))
        out.append(":")
        _write(value[key], out)
    out.append("}")


def _write_array(value: list[Any], out: list[str]) -> None:
    out.append("[")
    for position, item in enumerate(value):
        if position:
            out.append(",")
        _write(item, out)
    out.append("]")


def _js_key_order(value: dict[str, Any]) -> list[str]:
    indexes = sorted((k for k in value if _is_array_index(k)), key=int)
    return indexes + [k for k in value if not _is_array_index(k)]


def _is_array_index(key: str) -> bool:
    return bool(_ARRAY_INDEX.fullmatch(key)) and int(key) <= MAX_ARRAY_INDEX


def quote(text: str) -> str:
    """A JSON string literal, escaped exactly as JSON.stringify escapes it."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, _join_surrogate_pairs(text)) + '"'


def _join_surrogate_pairs(text: str) -> str:
    # A Python string may hold a high and a low surrogate as two code points;
    # JavaScript reads them as one character, so they must be sent as one.
    if not re.search("[\ud800-\udbff][\udc00-\udfff]", text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode(
        "utf-16-le", "surrogatepass"
    )


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"
