"""The FastAPI application: routers, error handlers, docs and workers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.accounts.router import router as accounts_router
from app.auth import ApiGate, require_token
from app.config import Settings, load_settings
from app.context import AppContext, build_context
from app.errors import error_responses, install_error_handlers
from app.events.router import router as events_router
from app.inbound.public import router as webhook_router
from app.inbound.router import router as inbound_router
from app.mail import watcher
from app.mail.router import router as mail_router
from app.outbound import dispatcher
from app.outbound.router import router as outbound_router
from app.sending import worker as sender
from app.sending.router import router as sending_router
from app.workers import Worker

logger = logging.getLogger(__name__)

DOCS_ASSETS = "/docs-assets"


def api_router() -> APIRouter:
    """Every admin route, behind the bearer token."""
    router = APIRouter(
        prefix="/api",
        dependencies=[Depends(require_token)],
        responses=error_responses(400, 401, 404, 409, 413, 422, 502),
    )
    for domain_router in (
        accounts_router,
        mail_router,
        sending_router,
        inbound_router,
        outbound_router,
        events_router,
    ):
        router.include_router(domain_router)
    return router


def build_workers(ctx: AppContext) -> list[Worker]:
    """The background workers this process runs next to the HTTP server."""
    return [*sender.workers(ctx), *dispatcher.workers(ctx), *watcher.workers(ctx)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    ctx: AppContext = app.state.ctx
    workers = build_workers(ctx) if ctx.settings.workers.enabled else []
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()
        ctx.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    ctx = build_context(settings or load_settings())
    app = FastAPI(
        title="Mailing Manager",
        version=__version__,
        description="Email accounts wired to webhooks and AI assistants.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    app.include_router(api_router())
    if ctx.settings.webhooks.enabled:
        app.include_router(webhook_router)
    _add_public_routes(app)
    _add_docs(app)
    trusted = ctx.settings.webhooks.trusted_proxies
    # Without trusted proxies the direct peer is the client, whatever
    # X-Forwarded-For claims.
    app.add_middleware(
        ApiGate,
        token=ctx.api_token,
        max_body_bytes=ctx.settings.api.max_body_bytes,
    )
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted or [])
    return app


def _add_public_routes(app: FastAPI) -> None:
    @app.head("/healthz", include_in_schema=False)
    @app.get("/healthz", operation_id="health", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness check: answers while the process serves HTTP."""
        return {"status": "ok", "version": __version__}


def _add_docs(app: FastAPI) -> None:
    """Swagger UI served from the package itself, so it works offline."""
    assets = files("swagger_ui") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Mailing Manager API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )
