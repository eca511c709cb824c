"""Attempts over TLS go to the vetted address but check the host name's certificate."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.kit.urlsafety import Target
from app.outbound.attempt import Poster
from tests.support.certs import SelfSignedCert, make_self_signed_cert
from tests.support.ports import LOOPBACK


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def cert(tmp_path) -> SelfSignedCert:
    return make_self_signed_cert(tmp_path)


@pytest.fixture
def tls_server(cert) -> Iterator[tuple[int, list[str | None]]]:
    """An HTTPS server on 127.0.0.1 answering 200; yields its port and SNI names."""
    names: list[str | None] = []
    context = cert.server_context()
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    server = ThreadingHTTPServer((LOOPBACK, 0), _Ok)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], names
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _target(host: str, port: int) -> Target:
    return Target(f"https://{host}:{port}/hook", "https", host, port, LOOPBACK)


def test_the_host_name_goes_in_sni_and_the_certificate_check(cert, tls_server):
    port, names = tls_server
    poster = Poster(5, ssl_context=cert.client_context())

    result = poster.post(_target("localhost", port), {}, b"{}")

    assert (result.status_code, result.excerpt, result.error) == (200, "ok", None)
    assert names == ["localhost"]


def test_a_certificate_for_another_name_is_refused(cert, tls_server):
    port, _ = tls_server
    poster = Poster(5, ssl_context=cert.client_context())

    result = poster.post(_target("api.localhost", port), {}, b"{}")

    assert result.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in (result.error or "")
