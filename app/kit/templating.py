"""`{{root.a.b.0}}` placeholders rendered against JSON-like data.

A string that is exactly one placeholder becomes the value it points at, with
its JSON type (a list stays a list). Placeholders inside longer strings are
replaced by text. Rendering is one pass over the template only: values taken
from the data are never scanned for placeholders, so data cannot inject one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_EXPR = r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[^.{}\s]+)*)\s*\}\}"
PLACEHOLDER = re.compile(_EXPR)
_WHOLE = re.compile(r"\s*" + _EXPR + r"\s*")


class TemplateError(ValueError):
    """A template is malformed or names an unknown root."""


_MISSING = object()


@dataclass
class Rendering:
    """What a render produced: the value and every placeholder with no value."""

    value: Any = None
    missing: list[str] = field(default_factory=list)


def has_placeholder(value: Any) -> bool:
    """True when `value` is a string holding at least one `{{`."""
    return isinstance(value, str) and "{{" in value


def is_single_placeholder(value: Any) -> bool:
    """True when `value` is exactly one placeholder (it then keeps its JSON type)."""
    return isinstance(value, str) and _WHOLE.fullmatch(value) is not None


def check(template: Any, roots: Iterable[str]) -> list[str]:
    """Every problem in a template (nested in dicts and lists), as text."""
    allowed = set(roots)
    if isinstance(template, Mapping):
        return [p for v in template.values() for p in check(v, allowed)]
    if isinstance(template, list):
        return [p for v in template for p in check(v, allowed)]
    if not isinstance(template, str):
        return []
    problems = []
    for match in PLACEHOLDER.finditer(template):
        root = match.group(1).split(".", 1)[0]
        if root not in allowed:
            problems.append(
                f"'{match.group(0)}' starts with '{root}'; "
                f"use one of: {', '.join(sorted(allowed))}"
            )
    leftover = PLACEHOLDER.sub("", template)
    if "{{" in leftover or "}}" in leftover:
        problems.append(
            f"'{template}' has a malformed placeholder; write {{{{body.field}}}}"
        )
    return problems


def lookup(data: Mapping[str, Any], path: str, fold_case: Collection[str] = ()) -> Any:
    """The value at dotted `path` (list items by index), or `_MISSING`.

    Under a root named in `fold_case` (e.g. HTTP headers, stored lowercased)
    the next key is matched in lower case.
    """
    parts = path.split(".")
    if len(parts) > 1 and parts[0] in fold_case:
        parts[1] = parts[1].lower()
    node: Any = data
    for part in parts:
        if isinstance(node, Mapping):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def as_text(value: Any) -> str:
    """How a value reads inside a longer string."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(
    template: Any, data: Mapping[str, Any], fold_case: Collection[str] = ()
) -> Rendering:
    """Render `template` (nested in dicts and lists) against `data`."""
    result = Rendering()
    result.value = _Renderer(data, fold_case, result.missing).render(template)
    return result


@dataclass
class _Renderer:
    data: Mapping[str, Any]
    fold_case: Collection[str]
    missing: list[str]

    def render(self, template: Any) -> Any:
        if isinstance(template, Mapping):
            return {k: self.render(v) for k, v in template.items()}
        if isinstance(template, list):
            return [self.render(v) for v in template]
        if not isinstance(template, str) or "{{" not in template:
            return template
        whole = _WHOLE.fullmatch(template)
        if whole:
            return self.value(whole.group(1))
        return PLACEHOLDER.sub(lambda m: as_text(self.value(m.group(1))), template)

    def value(self, path: str) -> Any:
        found = lookup(self.data, path, self.fold_case)
        if found is _MISSING:
            self.missing.append(path)
            return None
        return found
