"""The `mailing-manager` command."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from app import __version__
from app.config import ConfigError, Settings, load_settings

app = typer.Typer(
    help="Mailing Manager: email accounts wired to webhooks and AI assistants.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
accounts_app = typer.Typer(help="Manage mail accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")

STARTER_CONFIG = {
    "webhooks": {"enabled": True, "port": 3100, "baseUrl": "http://localhost:3100"}
}


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _context():
    from app.context import build_context

    settings = _settings()
    with _explained_start_failures(settings):
        return build_context(settings)


@contextmanager
def _explained_start_failures(settings: Settings) -> Iterator[None]:
    """Turn the usual reasons a start fails into one line saying what to do."""
    from sqlalchemy.exc import OperationalError

    from app.kit.secretbox import SecretKeyError

    try:
        yield
    except OperationalError as exc:
        typer.echo(
            f"error: cannot open the database {_safe_url(settings.database_url)}: "
            f"{exc.orig}",
            err=True,
        )
        raise typer.Exit(2) from exc
    except SecretKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        typer.echo(
            f"error: cannot use {exc.filename or settings.home}: {exc.strerror}; "
            "set MAILING_MANAGER_HOME to a directory this user can write",
            err=True,
        )
        raise typer.Exit(2) from exc


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def server(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Serve the API, the webhooks and the background workers."""
    import uvicorn

    from app.context import token_path
    from app.logs import configure_logging
    from app.main import create_app

    settings = _settings()
    if host:
        settings.webhooks.host = host
    if port:
        settings.webhooks.port = port
    configure_logging(settings.log_level)
    with _explained_start_failures(settings):
        application = create_app(settings)
    _print_locations(settings, token_path(settings.home))
    uvicorn.run(
        application,
        host=settings.webhooks.host,
        port=settings.webhooks.port,
        proxy_headers=False,  # the app applies trusted proxies itself
        log_config=None,
        server_header=False,
    )


def _print_locations(settings: Settings, token_file: Path) -> None:
    from app.kit.secretbox import KEY_FILE_NAME

    config = settings.config_file
    key_file = settings.home / KEY_FILE_NAME
    listen = f"http://{settings.webhooks.host}:{settings.webhooks.port}"
    lines = [
        f"Mailing Manager {__version__} listening on {listen}",
        f"  API docs:  {listen}/docs",
        f"  config:    {config}" + ("" if config.exists() else " (absent: defaults)"),
        f"  database:  {_safe_url(settings.database_url)}",
        f"  API token: {token_file if not settings.api.token else 'from config'}"
        " (`mailing-manager token` prints it)",
        f"  key:       {key_file if not settings.secret_key else 'from config'}"
        " (encrypts stored passwords and secrets: back it up)",
        f"  webhooks:  {settings.webhooks.base_url}/webhook/<id>",
    ]
    typer.echo("\n".join(lines), err=True)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def init() -> None:
    """Create the home directory, a starter config, the key and the API token."""
    from app.context import api_token, token_path
    from app.kit.secretbox import load_or_create_key

    settings = _settings()
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    config = settings.config_file
    if config.exists():
        typer.echo(f"kept existing {config}")
    else:
        config.write_text(json.dumps(STARTER_CONFIG, indent=2) + "\n")
        typer.echo(f"wrote {config}")
    if not settings.secret_key:
        load_or_create_key(settings.home, None)
    api_token(settings)
    typer.echo(f"API token in {token_path(settings.home)}; `mailing-manager token`")


@app.command()
def token() -> None:
    """Print the API token that the server of this MAILING_MANAGER_HOME accepts."""
    from app.context import api_token, token_path

    settings = _settings()
    path = token_path(settings.home)
    if not settings.api.token and not path.exists():
        typer.echo(
            f"error: no API token in {settings.home} yet. Start the server once "
            "(`mailing-manager server`) or run `mailing-manager init`; if the "
            "server runs with another MAILING_MANAGER_HOME, set the same here.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(api_token(settings))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version."""
    from app import db

    settings = _settings()
    db.upgrade(db.make_engine(settings.database_url))
    typer.echo(f"database up to date: {_safe_url(settings.database_url)}")


@app.command()
def worker(
    name: Annotated[str, typer.Argument(help="sender, dispatcher, watcher or all")],
) -> None:
    """Run background workers without the HTTP server."""
    import signal
    import threading

    from app.logs import configure_logging
    from app.main import build_workers

    ctx = _context()
    configure_logging(ctx.settings.log_level)
    workers = [w for w in build_workers(ctx) if name in ("all", w.name)]
    if not workers:
        typer.echo(f"error: no worker named '{name}'", err=True)
        raise typer.Exit(2)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for w in workers:
        w.start()
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for w in workers:
        w.stop()


@app.command()
def mcp(
    transport: Annotated[str, typer.Option(help="stdio or http")] = "stdio",
    host: Annotated[str, typer.Option(help="Bind address for http")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for http")] = 3101,
) -> None:
    """Run the MCP adapter for Claude Desktop, Cursor and other MCP clients."""
    from mcp_adapter.server import run

    run(transport=transport, host=host, port=port)


def _read_password(label: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(f"{label} password", hide_input=True)


@accounts_app.command("add")
def accounts_add(
    name: Annotated[str, typer.Option(help="A label for the account")],
    email: Annotated[str, typer.Option(help="The address mail is sent from")],
    imap_host: Annotated[str, typer.Option(help="IMAP server host")],
    smtp_host: Annotated[str, typer.Option(help="SMTP server host")],
    imap_port: Annotated[int | None, typer.Option()] = None,
    imap_security: Annotated[str, typer.Option(help="ssl, starttls or none")] = "ssl",
    smtp_port: Annotated[int | None, typer.Option()] = None,
    smtp_security: Annotated[str, typer.Option(help="ssl, starttls or none")] = "ssl",
    username: Annotated[str | None, typer.Option(help="Login (default: email)")] = None,
    display_name: Annotated[
        str | None, typer.Option(help="Name shown in From, e.g. 'Support Team'")
    ] = None,
    sent_folder: Annotated[
        str | None, typer.Option(help="IMAP folder that keeps a copy of sent mail")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            help="Read the password from standard input (one line; a second "
            "line, if given, is the SMTP password)"
        ),
    ] = False,
) -> None:
    """Add a mail account. The password is asked for, never passed as argument."""
    from pydantic import ValidationError

    from app.accounts import service
    from app.accounts.schemas import AccountCreate

    imap_password = _read_password("IMAP", password_stdin)
    smtp_password = (
        sys.stdin.readline().rstrip("\r\n")
        if password_stdin
        else typer.prompt(
            "SMTP password (Enter: same as IMAP)", hide_input=True, default=""
        )
    ) or imap_password
    try:
        data = AccountCreate(
            name=name,
            email=email,
            display_name=display_name,
            sent_folder=sent_folder,
            imap={
                "host": imap_host,
                "port": imap_port,
                "security": imap_security,
                "username": username,
                "password": imap_password,
            },
            smtp={
                "host": smtp_host,
                "port": smtp_port,
                "security": smtp_security,
                "username": username,
                "password": smtp_password,
            },
        )
    except ValidationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    ctx = _context()
    with ctx.transaction() as session:
        account = service.create_account(session, ctx.box, data)
    typer.echo(account.id)


@accounts_app.command("list")
def accounts_list() -> None:
    """List accounts: id, name, email."""
    from sqlmodel import Session, col, select

    from app.models import Account

    ctx = _context()
    with Session(ctx.engine) as session:
        for account in session.exec(select(Account).order_by(col(Account.created_at))):
            typer.echo(f"{account.id}\t{account.name}\t{account.email}")


@accounts_app.command("test")
def accounts_test(account_id: str) -> None:
    """Log in to the account's IMAP and SMTP servers and report."""
    from sqlmodel import Session

    from app.accounts import service
    from app.errors import NotFound

    ctx = _context()
    with Session(ctx.engine) as session:
        try:
            account = service.get_account(session, account_id)
        except NotFound as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(1) from exc
        result = service.test_account(account, ctx.box)
    for protocol in ("imap", "smtp"):
        check = getattr(result, protocol)
        state = "ok" if check.ok else f"FAILED ({check.error})"
        typer.echo(f"{protocol.upper()}: {state}: {check.detail}")
    raise typer.Exit(0 if result.ok else 1)


def main() -> None:
    # The home holds the database (mail content), key and token: owner only.
    os.umask(0o077)
    app()
