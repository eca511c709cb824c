"""An HTTP receiver on 127.0.0.1 that records requests and answers from a script."""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.ports import LOOPBACK

logger = logging.getLogger(__name__)

IDLE_CONNECTION_TIMEOUT = 5.0
MAX_CHUNK_LINE = 1024
MAX_CHUNKS = 100_000
MAX_TRAILERS = 100


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    client: tuple[str, int]
    received_at: float

    def header(self, name: str) -> str | None:
        """First value of a header, matched case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class HttpReceiver:
    """Records every request exactly and answers with the scripted replies in order.

    After the script runs out every request gets ``default``. ``delay`` holds
    each answer back (for client timeout tests); stop() cuts such waits short.
    """

    host = LOOPBACK

    def __init__(
        self,
        replies: Sequence[int | Reply] = (),
        *,
        default: int | Reply = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        self._script = [self._as_reply(r, headers, delay) for r in replies]
        self._default = self._as_reply(default, headers, delay)
        self.requests: list[RecordedRequest] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def _as_reply(
        reply: int | Reply, headers: dict[str, str] | None, delay: float
    ) -> Reply:
        if isinstance(reply, Reply):
            return reply
        return Reply(status=reply, headers=dict(headers or {}), delay=delay)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("receiver is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for(self, path: str = "/") -> str:
        return self.url + path

    def start(self) -> None:
        if self._server is not None:
            return
        self._stopping.clear()
        server = ThreadingHTTPServer((self.host, 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"http-receiver-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._server = None
        self._thread = None

    close = stop

    def __enter__(self) -> "HttpReceiver":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until `count` requests arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(self.requests)} of {count} requests after {timeout}s"
                    )
                self._changed.wait(remaining)
            return list(self.requests)

    def _record(self, request: RecordedRequest) -> Reply:
        """Store the request and pick its answer."""
        with self._changed:
            self.requests.append(request)
            index = len(self.requests) - 1
            self._changed.notify_all()
        return self._script[index] if index < len(self._script) else self._default

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _make_handler(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(_RecordingHandler):
        owner = receiver

    return Handler


class _RecordingHandler(BaseHTTPRequestHandler):
    owner: HttpReceiver
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_TIMEOUT

    def _handle(self) -> None:
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers=tuple(self.headers.items()),
            body=self._read_body(),
            client=self.client_address[:2],
            received_at=time.monotonic(),
        )
        reply = self.owner._record(request)
        self.owner._pause(reply.delay)
        try:
            self._answer(reply)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("client left before the answer to %s", request.path)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def _answer(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)
        self.wfile.flush()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        for _ in range(MAX_CHUNKS):
            size_line = self.rfile.readline(MAX_CHUNK_LINE)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self._skip_trailers()
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(MAX_CHUNK_LINE)
        raise ValueError(f"more than {MAX_CHUNKS} chunks in one body")

    def _skip_trailers(self) -> None:
        for _ in range(MAX_TRAILERS):
            if self.rfile.readline(MAX_CHUNK_LINE) in (b"\r\n", b"\n", b""):
                return

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)
