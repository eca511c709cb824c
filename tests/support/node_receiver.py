"""Runs node_receiver.js: a Node.js webhook receiver that checks signatures."""

import json
import logging
import selectors
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.ports import LOOPBACK

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("node_receiver.js")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
HTTP_TIMEOUT = 5.0
# Never route loopback requests through a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NodeReceiver:
    """A `node` process verifying X-Webhook-Signature on every JSON request.

    ``results()`` lists one dict per request: method, path, verified (bool)
    and reason ("ok", "signature mismatch", "no signature header", ...).
    Correctly signed requests get 200, others 401.
    """

    host = LOOPBACK

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for(self, path: str = "/") -> str:
        return self.url + path

    def start(self) -> None:
        if self._process is not None:
            return
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("`node` is not installed (scripts/install-test-deps)")
        self._process = subprocess.Popen(
            [node, str(SCRIPT), "--secret", self.secret, "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            self.port = self._read_port()
        except RuntimeError as error:
            raise RuntimeError(f"{error}: {self._stop_and_collect_errors()}") from None

    def stop(self) -> None:
        self._stop_and_collect_errors()

    close = stop

    def __enter__(self) -> "NodeReceiver":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def results(self) -> list[dict[str, Any]]:
        with _DIRECT.open(self.url_for("/results"), timeout=HTTP_TIMEOUT) as reply:
            return json.loads(reply.read())

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Poll until `count` requests were checked; return all results."""
        deadline = time.monotonic() + timeout
        results = self.results()
        while len(results) < count and time.monotonic() < deadline:
            time.sleep(0.05)
            results = self.results()
        if len(results) < count:
            raise TimeoutError(f"{len(results)} of {count} requests after {timeout}s")
        return results

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=START_TIMEOUT):
                raise RuntimeError("node receiver did not start")
        line = self._process.stdout.readline()
        try:
            return int(json.loads(line)["port"])
        except (ValueError, KeyError, TypeError):
            raise RuntimeError(f"node receiver said {line!r}") from None

    def _stop_and_collect_errors(self) -> str:
        """Stop node; return what it wrote to stderr."""
        if self._process is None:
            return ""
        process, self._process = self._process, None
        process.terminate()
        try:
            _, errors = process.communicate(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate(timeout=STOP_TIMEOUT)
        return errors.decode(errors="replace")
