"""Bearer-token check for the admin API.

`ApiGate` checks the token, and caps the body, before anything reads or parses
a request under /api: a client without the token cannot make the service
buffer or parse a large body. `require_token` repeats the check as a route
dependency, which is also what documents the scheme in OpenAPI.
"""

from __future__ import annotations

import hmac
import json

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.context import AppContext, get_ctx
from app.errors import PayloadTooLarge, Unauthorized

API_PREFIX = "/api"
MISSING = (
    "missing API token: send `Authorization: Bearer <token>`; "
    "`mailing-manager token` prints it"
)
INVALID = (
    "invalid API token; `mailing-manager token` prints the current one "
    "(run it with the same MAILING_MANAGER_HOME as the server)"
)

_bearer = HTTPBearer(
    auto_error=False, description="The token `mailing-manager token` shows"
)


def token_problem(authorization: str | None, expected: str) -> str | None:
    """Why `authorization` (an Authorization header value) is refused, or None."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return MISSING
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return INVALID
    return None


def require_token(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ctx: AppContext = Depends(get_ctx),
) -> None:
    header = f"Bearer {credentials.credentials}" if credentials else None
    problem = token_problem(header, ctx.api_token)
    if problem:
        raise Unauthorized(problem, headers={"WWW-Authenticate": "Bearer"})


class ApiGate:
    """ASGI middleware: token first, then a body of at most `max_body_bytes`."""

    def __init__(self, app: ASGIApp, *, token: str, max_body_bytes: int):
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (
            path == API_PREFIX or path.startswith(API_PREFIX + "/")
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        authorization = headers.get("authorization", b"").decode("latin-1")
        problem = token_problem(authorization, self.token)
        if problem:
            await _answer(send, Unauthorized(problem), {"WWW-Authenticate": "Bearer"})
            return
        body = await self._read_capped(receive, headers.get("content-length"))
        if body is None:
            await _answer(send, self._too_large(), {"Connection": "close"})
            return
        await self.app(scope, _replay(body), send)

    async def _read_capped(
        self, receive: Receive, declared: bytes | None
    ) -> bytes | None:
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"request body over {self.max_body_bytes} bytes; raise api.maxBodyBytes "
            "if you really send attachments that large"
        )


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _answer(
    send: Send, error: Unauthorized | PayloadTooLarge, extra: dict
) -> None:
    payload = json.dumps({"error": type(error).__name__, "detail": error.detail})
    headers = [(b"content-type", b"application/json")]
    headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
    await send(
        {"type": "http.response.start", "status": error.status_code, "headers": headers}
    )
    await send({"type": "http.response.body", "body": payload.encode()})
