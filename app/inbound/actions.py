"""Webhook actions: their parameters, checked at creation and rendered per call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel, to_snake

from app.kit import templating
from app.sending.schemas import OutgoingEmail

ROOTS = ("body", "headers", "query")
FOLD_CASE = ("headers",)

_EMAIL_PARAMS = (
    "accountId",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "body",
    "html",
    "attachments",
    "headers",
)
PARAMETERS: dict[str, tuple[str, ...]] = {
    "send_email": _EMAIL_PARAMS,
    "reply_email": (*_EMAIL_PARAMS, "messageId", "folder", "uid"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "send_email": ("accountId", "to", "subject"),
    "reply_email": ("accountId",),
}
# Values that end up in a header line: a CR or LF would start a new header.
ONE_LINE = ("to", "cc", "bcc", "replyTo", "subject", "messageId", "folder")


@dataclass
class PlannedEmail:
    """One email an action will queue."""

    account_id: str
    email: OutgoingEmail


@dataclass
class RenderProblems:
    """Everything wrong with one call, gathered so a single answer names it all."""

    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.invalid)

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append(
                "missing fields: "
                + ", ".join(self.missing)
                + '; send them in the request body (e.g. {"to": …}) or set them '
                "as action parameters"
            )
        parts.extend(self.invalid)
        return "; ".join(parts)


def normalise_action(action: dict[str, Any]) -> dict[str, Any]:
    """The stored form: parameter names in camelCase, accountId kept apart."""
    parameters = {to_camel(k): v for k, v in action.get("parameters", {}).items()}
    return {
        "type": action["type"],
        "accountId": action.get("account_id") or action.get("accountId"),
        "parameters": parameters,
    }


def check_action(action: dict[str, Any], index: int) -> list[str]:
    """Problems with one stored-form action: unknown parameters, bad templates."""
    where = f"actions[{index}]"
    known = PARAMETERS[action["type"]]
    problems = [
        f"{where}.parameters.{name} is not a parameter of {action['type']}; "
        f"known: {', '.join(known)}"
        for name in action["parameters"]
        if name not in known
    ]
    templates = {"accountId": action["accountId"], **action["parameters"]}
    for name, template in templates.items():
        problems += [f"{where}.{name}: {p}" for p in templating.check(template, ROOTS)]
    return problems


def literal_account_ids(action: dict[str, Any]) -> list[str]:
    """Account ids written as plain text (not templates) in an action."""
    values = (action["accountId"], action["parameters"].get("accountId"))
    return [
        v for v in values if isinstance(v, str) and not templating.has_placeholder(v)
    ]


def select_actions(
    actions: list[dict[str, Any]], body: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """The actions a call runs, or none and why (the body asks for another one)."""
    wanted = body.get("action") if isinstance(body, dict) else None
    if not isinstance(wanted, str):
        return actions, None
    chosen = [a for a in actions if a["type"] == wanted]
    if chosen:
        return chosen, None
    have = ", ".join(sorted({a["type"] for a in actions}))
    return [], f"this webhook has no '{wanted}' action; it has: {have}"


def render_action(
    action: dict[str, Any],
    data: dict[str, Any],
    prefix: str,
    problems: RenderProblems,
    default_account_id: str | None = None,
) -> PlannedEmail | None:
    """Fill one action's parameters from the call; record what is missing or bad.

    With no account named anywhere, `default_account_id` (the only account of
    the service, when there is exactly one) is used.
    """
    values, missing = _parameter_values(action, data)
    if "accountId" not in values and default_account_id:
        values["accountId"] = default_account_id
        missing = [m for m in missing if not m.startswith("accountId ")]
    reported = {m.split(" ", 1)[0] for m in missing}
    missing += [
        n for n in REQUIRED[action["type"]] if n not in values and n not in reported
    ]
    if action["type"] == "reply_email" and not _has_reply_target(values):
        missing.append("messageId (or folder and uid)")
    problems.missing += [prefix + m for m in missing]
    bad_lines = [n for n in ONE_LINE if _has_line_break(values.get(n))]
    bad_lines += [f"headers.{h}" for h in _bad_header_names(values.get("headers"))]
    problems.invalid += [
        f"{prefix}{n} contains a line break (CR or LF); header values must be one line"
        for n in bad_lines
    ]
    if missing or bad_lines:
        return None
    return _build(values, prefix, problems)


def _parameter_values(
    action: dict[str, Any], data: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    body = data.get("body")
    values: dict[str, Any] = {}
    missing: list[str] = []
    configured = dict(action["parameters"])
    if action["accountId"] is not None:
        configured["accountId"] = action["accountId"]
    required = REQUIRED[action["type"]]
    is_single = templating.is_single_placeholder
    for name in PARAMETERS[action["type"]]:
        if name in configured:
            result = templating.render(configured[name], data, FOLD_CASE)
            optional = name not in required
            if result.missing and optional and is_single(configured[name]):
                continue  # an optional field the call left out: simply absent
            if result.missing:
                missing.append(f"{name} (no value for {_braces(result.missing)})")
                values[name] = None
                continue
            values[name] = result.value
        elif isinstance(body, dict):
            value = _from_body(body, name)
            if value is not _ABSENT:
                values[name] = value
    present = {k: v for k, v in values.items() if v is not None}
    return present, missing


_ABSENT = object()


def _from_body(body: dict[str, Any], name: str) -> Any:
    if name in body:
        return body[name]
    return body.get(to_snake(name), _ABSENT)


def _braces(paths: list[str]) -> str:
    return ", ".join("{{" + p + "}}" for p in paths)


def _has_reply_target(values: dict[str, Any]) -> bool:
    return bool(values.get("messageId")) or values.get("uid") not in (None, "")


def _has_line_break(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_line_break(v) for v in value)
    return isinstance(value, str) and ("\r" in value or "\n" in value)


def _bad_header_names(headers: Any) -> list[str]:
    if not isinstance(headers, dict):
        return []
    return [
        str(k)
        for k, v in headers.items()
        if _has_line_break(str(k)) or _has_line_break(v)
    ]


def _build(
    values: dict[str, Any], prefix: str, problems: RenderProblems
) -> PlannedEmail | None:
    account_id = values.pop("accountId")
    reply = {k: values.pop(k) for k in ("messageId", "folder", "uid") if k in values}
    if reply:
        values["inReplyTo"] = reply
    try:
        email = OutgoingEmail.model_validate(values)
    except ValidationError as exc:
        problems.invalid += [_describe(err, prefix) for err in exc.errors()]
        return None
    if not isinstance(account_id, str):
        problems.invalid.append(f"{prefix}accountId must be a string")
        return None
    return PlannedEmail(account_id=account_id, email=email)


def _describe(err: Any, prefix: str) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "email"
    return f"{prefix}{loc}: {err['msg']}"
