"""Bearer-token check for the admin API."""

from __future__ import annotations

import hmac

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.context import AppContext, get_ctx
from app.errors import Unauthorized

_bearer = HTTPBearer(
    auto_error=False, description="The token `mailing-manager token` shows"
)


def require_token(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ctx: AppContext = Depends(get_ctx),
) -> None:
    if credentials is None:
        raise Unauthorized(
            "missing API token: send `Authorization: Bearer <token>`; "
            "`mailing-manager token` prints it",
            headers={"WWW-Authenticate": "Bearer"},
        )
    given = credentials.credentials.encode("utf-8")
    if not hmac.compare_digest(given, ctx.api_token.encode("utf-8")):
        raise Unauthorized(
            "invalid API token; `mailing-manager token` prints the current one "
            "(run it with the same MAILING_MANAGER_HOME as the server)",
            headers={"WWW-Authenticate": "Bearer"},
        )
