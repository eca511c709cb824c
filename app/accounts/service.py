"""Account storage and the login check. Services flush; callers commit."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from app.accounts.schemas import (
    DEFAULT_PORTS,
    AccountCreate,
    AccountOut,
    AccountTestResult,
    AccountUpdate,
    ServerCheck,
    ServerIn,
    ServerOut,
    ServerPatch,
)
from app.errors import NotFound
from app.kit.deadline import DeadlineExceeded, socket_deadline
from app.kit.ids import new_id
from app.kit.pagination import paginate
from app.kit.secretbox import SecretBox
from app.mail.connect import (
    CannotConnect,
    MailServerError,
    ServerLogin,
    new_smtp,
    open_imap,
    open_smtp,
)
from app.models import Account
from app.models.base import touch

logger = logging.getLogger(__name__)

PROTOCOLS = ("imap", "smtp")
# Longest an account test waits on a server, connect to QUIT.
TEST_DEADLINE_SECONDS = 30.0


def get_account(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(
            f"no account with id '{account_id}'; GET /api/accounts lists them"
        )
    return account


def list_accounts(
    session: Session, *, limit: int, cursor: str | None
) -> tuple[list[Account], str | None]:
    return paginate(session, Account, limit=limit, cursor=cursor)


def create_account(session: Session, box: SecretBox, data: AccountCreate) -> Account:
    account = Account(
        id=new_id("acc"),
        name=data.name,
        email=data.email,
        display_name=data.display_name,
        folders=data.folders or ["INBOX"],
        sent_folder=data.sent_folder,
        enabled=data.enabled,
        **_server_columns("imap", data.imap, data.email, box),
        **_server_columns("smtp", data.smtp, data.email, box),
    )
    session.add(account)
    session.flush()
    logger.info("account created", extra={"account_id": account.id})
    return account


def _server_columns(
    protocol: str, server: ServerIn, email: str, box: SecretBox
) -> dict[str, Any]:
    return {
        f"{protocol}_host": server.host,
        f"{protocol}_port": server.port or DEFAULT_PORTS[protocol][server.security],
        f"{protocol}_security": server.security,
        f"{protocol}_username": server.username or email,
        f"{protocol}_password_enc": box.encrypt(server.password),
        f"{protocol}_tls_verify": server.tls_verify,
    }


def update_account(
    session: Session, box: SecretBox, account: Account, data: AccountUpdate
) -> Account:
    changes = data.model_dump(exclude_unset=True, exclude={"imap", "smtp"})
    for field, value in changes.items():
        setattr(account, field, value)
    for protocol in PROTOCOLS:
        patch = getattr(data, protocol)
        if patch is not None:
            _apply_server_patch(account, protocol, patch, box)
    touch(account)
    session.add(account)
    session.flush()
    return account


def _apply_server_patch(
    account: Account, protocol: str, patch: ServerPatch, box: SecretBox
) -> None:
    given = patch.model_dump(exclude_unset=True)
    if "password" in given:
        setattr(account, f"{protocol}_password_enc", box.encrypt(given.pop("password")))
    if "security" in given and "port" not in given:
        given["port"] = DEFAULT_PORTS[protocol][given["security"]]
    for field, value in given.items():
        setattr(account, f"{protocol}_{field}", value)


def delete_account(session: Session, account: Account) -> None:
    session.delete(account)
    session.flush()


def server_login(
    account: Account, protocol: str, box: SecretBox, timeout: float = 30.0
) -> ServerLogin:
    """The decrypted login for one of the account's servers."""
    return ServerLogin(
        host=getattr(account, f"{protocol}_host"),
        port=getattr(account, f"{protocol}_port"),
        security=getattr(account, f"{protocol}_security"),
        username=getattr(account, f"{protocol}_username"),
        password=box.decrypt(getattr(account, f"{protocol}_password_enc")),
        tls_verify=getattr(account, f"{protocol}_tls_verify"),
        timeout=timeout,
    )


def test_account(
    account: Account, box: SecretBox, deadline: float = TEST_DEADLINE_SECONDS
) -> AccountTestResult:
    """Log in to both servers and say precisely what failed, if anything."""
    imap = _check(lambda: _imap_login(server_login(account, "imap", box, 15), deadline))
    smtp = _check(lambda: _smtp_login(server_login(account, "smtp", box, 15), deadline))
    return AccountTestResult(ok=imap.ok and smtp.ok, imap=imap, smtp=smtp)


def _imap_login(login: ServerLogin, deadline: float) -> None:
    clients: list = []  # the imaplib client, once its socket exists
    try:
        with socket_deadline(deadline, lambda: clients[0].sock if clients else None):
            open_imap(login, on_socket=clients.append).logout()
    except DeadlineExceeded as exc:
        raise CannotConnect("IMAP", login.address, str(exc)) from exc


def _smtp_login(login: ServerLogin, deadline: float) -> None:
    # A server may drip lines for ever, each within the read timeout: the
    # whole login gets `deadline` seconds.
    client = new_smtp(login)
    try:
        with socket_deadline(deadline, lambda: client.sock):
            open_smtp(login, client).quit()
    except DeadlineExceeded as exc:
        raise CannotConnect("SMTP", login.address, str(exc)) from exc


def _check(attempt) -> ServerCheck:
    try:
        attempt()
    except MailServerError as exc:
        return ServerCheck(ok=False, error=exc.kind, detail=exc.detail)
    return ServerCheck(ok=True, detail="logged in")


def to_out(account: Account) -> AccountOut:
    servers = {
        protocol: ServerOut(
            host=getattr(account, f"{protocol}_host"),
            port=getattr(account, f"{protocol}_port"),
            security=getattr(account, f"{protocol}_security"),
            username=getattr(account, f"{protocol}_username"),
            tls_verify=getattr(account, f"{protocol}_tls_verify"),
        )
        for protocol in PROTOCOLS
    }
    return AccountOut(
        id=account.id,
        name=account.name,
        email=account.email,
        display_name=account.display_name,
        folders=account.folders,
        sent_folder=account.sent_folder,
        enabled=account.enabled,
        created_at=account.created_at,
        updated_at=account.updated_at,
        **servers,
    )
