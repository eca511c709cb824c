"""A private Dovecot instance (IMAP + LMTP) on loopback for tests."""

import contextlib
import email
import email.policy
import imaplib
import itertools
import logging
import os
import secrets
import shutil
import signal
import smtplib
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from imap_tools.imap_utf7 import utf7_encode

from tests.support.certs import SelfSignedCert, make_self_signed_cert
from tests.support.ports import LOOPBACK, free_port, port_answers, wait_for_port

logger = logging.getLogger(__name__)

START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
IMAP_TIMEOUT = 10.0
# Debian puts dovecot in /usr/sbin, which is not on a normal user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])

CONFIG_TEMPLATE = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = mm-test-{token}
protocols = imap lmtp
listen = {host}
shutdown_clients = yes
default_internal_user = dovenull
default_login_user = dovenull
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Tests log in with wrong passwords on purpose and share one server: answer
# failures at once and keep no per-IP penalty (Dovecot's documented switch).
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
  mailbox Archive {{
    special_use = \\Archive
    auto = subscribe
  }}
}}
{ssl_settings}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%u
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp_port}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass(frozen=True)
class MailUser:
    email: str
    password: str


class DovecotError(RuntimeError):
    pass


class DovecotServer:
    """Dovecot with its own config, ports, users and maildirs under one temp dir.

    Usable as a context manager; stop() and start() keep the ports and the mail,
    so a test can take the server away from a connected client and bring it back.
    """

    host = LOOPBACK

    def __init__(self, *, tls: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mm-dovecot-"))
        self.mail_dir = self.root / "mail"
        self.users_dir = self.root / "users"
        self.config_path = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        self.imaps_port = free_port() if tls else 0
        self.cert: SelfSignedCert | None = None
        self._users: dict[str, str] = {}
        self._user_numbers = itertools.count(1)
        self._master: subprocess.Popen[bytes] | None = None
        try:
            self._prepare_files(tls)
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _prepare_files(self, tls: bool) -> None:
        # Dovecot's processes drop to nobody/dovenull and must traverse this tree.
        self.root.chmod(0o755)
        self.mail_dir.mkdir(mode=0o777)
        self.mail_dir.chmod(0o777)
        self.users_dir.mkdir(mode=0o755)
        if tls:
            tls_dir = self.root / "tls"
            tls_dir.mkdir(mode=0o755)
            self.cert = make_self_signed_cert(tls_dir)
        self._write_config()

    @property
    def tls(self) -> bool:
        return self.cert is not None

    @property
    def cert_path(self) -> Path:
        if self.cert is None:
            raise DovecotError("this Dovecot runs without TLS")
        return self.cert.cert_path

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        if self._master is not None:
            return
        if port_answers(self.imap_port):
            raise DovecotError(f"port {self.imap_port} is taken by another process")
        self._master = self._spawn(
            [_binary("dovecot"), "-F", "-c", str(self.config_path)]
        )
        if not self._wait_until_listening():
            details = self._output_text() + self.log_text()
            self.stop()
            raise DovecotError(f"Dovecot did not start:\n{details}")
        logger.info("Dovecot up: imap=%s lmtp=%s", self.imap_port, self.lmtp_port)

    def stop(self) -> None:
        """Stop like `doveadm stop`, then drop IMAP connections that outlive it."""
        if self._master is None:
            return
        master, self._master = self._master, None
        doveadm = self._spawn([_binary("doveadm"), "-c", str(self.config_path), "stop"])
        # doveadm waits for the master to vanish, and an unreaped child never
        # does: reap it here while doveadm waits.
        _wait_or_kill(master)
        _wait_or_kill(doveadm)
        # Logged-in IMAP processes outlive the master; a stopped server must
        # drop its clients the way a crash or reboot would.
        _end_instance_processes(master.pid)
        if not wait_for_port(self.imap_port, STOP_TIMEOUT, open_=False):
            raise DovecotError(f"Dovecot still listens on {self.imap_port}")

    @property
    def running(self) -> bool:
        return self._master is not None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and delete its files."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "DovecotServer":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- users -------------------------------------------------------------

    def add_user(self, address: str, password: str) -> MailUser:
        """Create or update a login; a running Dovecot sees it on the next login."""
        known = address in self._users
        self._users[address] = password
        path = self.users_dir / address
        path.write_text(f"{address}:{{PLAIN}}{password}\n")
        path.chmod(0o644)
        if known and self.running:
            _wait_for_next_second()
        return MailUser(address, password)

    def has_user(self, address: str) -> bool:
        return address in self._users

    def password_of(self, address: str) -> str | None:
        return self._users.get(address)

    def new_user(self, prefix: str = "user") -> MailUser:
        """Create a login with an address no other test uses."""
        number = next(self._user_numbers)
        address = f"{prefix}{number}-{secrets.token_hex(3)}@example.com"
        return self.add_user(address, secrets.token_urlsafe(12))

    # -- putting mail in and reading it ------------------------------------

    def deliver(
        self, rcpt: str, raw: bytes, mail_from: str = "sender@example.com"
    ) -> None:
        """Deliver a message into rcpt's INBOX over LMTP, as an MTA would."""
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=IMAP_TIMEOUT) as lmtp:
            lmtp.sendmail(mail_from, [rcpt], raw)

    @contextlib.contextmanager
    def imap(self, user: str, password: str) -> Iterator[imaplib.IMAP4]:
        """A logged-in plain IMAP connection, logged out afterwards."""
        client = imaplib.IMAP4(self.host, self.imap_port, timeout=IMAP_TIMEOUT)
        try:
            client.login(user, password)
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def append(self, user: str, password: str, folder: str, raw: bytes) -> None:
        """Store a message with IMAP APPEND, creating the folder if needed."""
        with self.imap(user, password) as client:
            mailbox = _quote(folder)
            if folder.upper() != "INBOX":
                client.create(mailbox)  # answers NO when it exists; that is fine
            status, data = client.append(mailbox, None, None, raw)
            if status != "OK":
                raise DovecotError(f"APPEND to {folder} failed: {data!r}")

    def fetch_all(
        self, user: str, password: str, folder: str = "INBOX"
    ) -> list[Message]:
        """Every message in the folder, oldest first, parsed with policy.default."""
        with self.imap(user, password) as client:
            status, data = client.select(_quote(folder), readonly=True)
            if status != "OK":
                raise DovecotError(f"SELECT {folder} failed: {data!r}")
            _, found = client.uid("SEARCH", "ALL")
            return [_fetch_one(client, uid.decode()) for uid in found[0].split()]

    def client_ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this server's certificate."""
        if self.cert is None:
            raise DovecotError("this Dovecot runs without TLS")
        return self.cert.client_context()

    # -- internals ---------------------------------------------------------

    def _spawn(self, command: list[str]) -> "subprocess.Popen[bytes]":
        """Start a Dovecot program in its own Unix session, output to command.out."""
        with (self.root / "command.out").open("ab") as output:
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_until_listening(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._master is None or self._master.poll() is not None:
                return False
            if port_answers(self.imap_port) and port_answers(self.lmtp_port):
                return True
            time.sleep(0.05)
        return False

    def _output_text(self) -> str:
        try:
            return (self.root / "command.out").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _write_config(self) -> None:
        self.config_path.write_text(
            CONFIG_TEMPLATE.format(
                root=self.root,
                token=secrets.token_hex(4),
                host=self.host,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                lmtp_port=self.lmtp_port,
                ssl_settings=self._ssl_settings(),
            )
        )

    def _ssl_settings(self) -> str:
        if self.cert is None:
            return "ssl = no"
        return (
            "ssl = yes\n"
            f"ssl_cert = <{self.cert.cert_path}\n"
            f"ssl_key = <{self.cert.key_path}"
        )


def _processes_led_by(leader_pid: int) -> list[int]:
    """Live processes whose Unix session the given PID leads.

    Zombies are left out: they are already gone, only not yet reaped.
    """
    members = []
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_path.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[3]) == leader_pid:
            members.append(int(stat_path.parent.name))
    return members


def _end_instance_processes(master_pid: int) -> None:
    """Terminate what is left of one Dovecot instance, by PID, bounded in time.

    The master runs in its own Unix session (start_new_session), so its
    processes are exactly those of that session.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _processes_led_by(master_pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + STOP_TIMEOUT / 2
        while _processes_led_by(master_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _processes_led_by(master_pid):
            return


def _wait_or_kill(process: "subprocess.Popen[bytes]") -> None:
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _binary(name: str) -> str:
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        raise DovecotError(f"{name} is not installed (scripts/install-test-deps)")
    return path


def _wait_for_next_second() -> None:
    # Dovecot checks a passwd-file for changes at most once per wall-clock
    # second; a new file per user avoids that, but a changed password needs the
    # next second to begin before the next login sees it.
    time.sleep(1.05 - (time.time() % 1.0))


def _quote(folder: str) -> str:
    """A folder name as an IMAP quoted string, in modified UTF-7 (RFC 3501 5.1.3)."""
    encoded = utf7_encode(folder).decode("ascii")
    escaped = encoded.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _fetch_one(client: imaplib.IMAP4, uid: str) -> Message:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        raise DovecotError(f"FETCH {uid} failed: {data!r}")
    raw = next(part[1] for part in data if isinstance(part, tuple))
    return email.message_from_bytes(raw, policy=email.policy.default)
