"""Tools over both kinds of webhook: list, show, change, delete."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastmcp.exceptions import ToolError
from fastmcp.tools import tool
from pydantic import Field

from mcp_adapter.client import call
from mcp_adapter.tools.common import hints, segment

Kind = Literal["inbound", "outbound"]
# Ids carry their kind in their prefix, so a model rarely has to say which.
PREFIXES: dict[str, Kind] = {"inb_": "inbound", "owh_": "outbound"}

WebhookId = Annotated[
    str,
    Field(min_length=1, description="The webhook's id, as list_webhooks shows it."),
]
KindArg = Annotated[
    Kind | None,
    Field(
        description="`inbound` or `outbound`; only needed when the id does not "
        "tell (inbound ids start with `inb_`, outbound ones with `owh_`)."
    ),
]


def _kind_of(webhook_id: str, kind: Kind | None) -> Kind:
    if kind is not None:
        return kind
    for prefix, found in PREFIXES.items():
        if webhook_id.startswith(prefix):
            return found
    raise ToolError(
        f"cannot tell whether {webhook_id!r} is an inbound or an outbound webhook; "
        "pass kind='inbound' or kind='outbound'"
    )


def _path(webhook_id: str, kind: Kind | None) -> str:
    return f"/api/webhooks/{_kind_of(webhook_id, kind)}/{segment(webhook_id)}"


def _with_kind(page: dict[str, Any], kind: Kind) -> dict[str, Any]:
    items = [{"kind": kind, **item} for item in page.get("items", [])]
    return {**page, "items": items}


@tool(
    annotations=hints("List webhooks", read_only=True),
)
async def list_webhooks(
    kind: Annotated[
        Literal["inbound", "outbound", "all"],
        Field(description="Which webhooks: inbound, outbound or all (both lists)."),
    ] = "all",
) -> dict[str, Any]:
    """List the webhooks: inbound ones (URLs other services POST to, to send
    email) and outbound ones (URLs notified of email events).

    Each item says its `kind`, id, name, URL and whether it is enabled; secrets
    are never listed. Returns `{"inbound": {"items": …}, "outbound": {…}}`.
    """
    kinds: list[Kind] = ["inbound", "outbound"] if kind == "all" else [kind]
    answer: dict[str, Any] = {}
    for one in kinds:
        page = await call("GET", f"/api/webhooks/{one}", params={"limit": 100})
        answer[one] = _with_kind(page, one)
    return answer


@tool(
    annotations=hints("Get a webhook", read_only=True),
)
async def get_webhook(webhook_id: WebhookId, kind: KindArg = None) -> dict[str, Any]:
    """Show one webhook's settings: URL, actions or events, filters, state.

    The secret is not shown (it was given once at creation); for an outbound
    webhook rotate_webhook_secret makes a new one.
    """
    resolved = _kind_of(webhook_id, kind)
    return {"kind": resolved, **await call("GET", _path(webhook_id, resolved))}


@tool(
    annotations=hints("Update a webhook", destructive=True, idempotent=True),
)
async def update_webhook(
    webhook_id: WebhookId,
    changes: Annotated[
        dict[str, Any],
        Field(
            description="Only the fields to change. Both kinds: name, enabled. "
            "Inbound: description, path, secret, actions (same shape as in "
            "create_inbound_webhook). Outbound: url, events, filters. "
            'Example: {"enabled": false}.'
        ),
    ],
    kind: KindArg = None,
) -> dict[str, Any]:
    """Change some settings of a webhook; fields not given keep their value.

    Use {"enabled": false} to pause a webhook without losing it.
    """
    resolved = _kind_of(webhook_id, kind)
    updated = await call("PATCH", _path(webhook_id, resolved), json=changes)
    return {"kind": resolved, **updated}


@tool(
    annotations=hints("Delete a webhook", destructive=True, idempotent=True),
)
async def delete_webhook(webhook_id: WebhookId, kind: KindArg = None) -> dict[str, Any]:
    """Delete a webhook for good: an inbound URL stops accepting requests, an
    outbound URL stops receiving events. Ask the user to confirm first;
    update_webhook with {"enabled": false} pauses one instead.
    """
    resolved = _kind_of(webhook_id, kind)
    await call("DELETE", _path(webhook_id, resolved))
    return {"deleted": True, "kind": resolved, "id": webhook_id}


@tool(
    annotations=hints("Rotate a webhook secret", destructive=True),
)
async def rotate_webhook_secret(
    webhook_id: WebhookId,
    kind: KindArg = None,
    new_secret: Annotated[
        str | None,
        Field(
            min_length=16,
            description="The new secret to use (inbound: 16 characters or "
            "more); generated when omitted.",
        ),
    ] = None,
    grace_hours: Annotated[
        float | None,
        Field(
            ge=0,
            le=168,
            description="Outbound only: hours the old secret keeps signing "
            "(default from the service's settings; 0 switches at once).",
        ),
    ] = None,
) -> dict[str, Any]:
    """Give a webhook a new secret, shown once in this result. Only do it when
    the user asks (for instance after a secret leaked).

    Inbound: the old secret stops working at once; callers must send the new one.
    Outbound: during the grace period X-Webhook-Signature is still made with the
    old secret and webhook-signature with both, so the receiver can be switched
    to the new one without losing events; the result says until when.
    """
    resolved = _kind_of(webhook_id, kind)
    payload: dict[str, Any] = {"secret": new_secret} if new_secret else {}
    if grace_hours is not None and resolved == "outbound":
        payload["graceHours"] = grace_hours
    path = f"{_path(webhook_id, resolved)}/rotate-secret"
    rotated = await call("POST", path, json=payload or None, keep_secrets=True)
    return {"kind": resolved, **rotated}


TOOLS = [
    list_webhooks,
    get_webhook,
    update_webhook,
    delete_webhook,
    rotate_webhook_secret,
]
