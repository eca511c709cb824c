import socket

import pytest


def test_public_names_do_not_resolve_in_tests():
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("votre-n8n.com", 443)
    assert socket.getaddrinfo("localhost", 80)


def test_connections_off_loopback_are_refused_before_leaving():
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1, never reached
