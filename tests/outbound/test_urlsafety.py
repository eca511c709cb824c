"""The URL checker refuses unsafe targets and says how to allow the allowable.

Nothing here connects anywhere: refusals are asserted, and the only name
resolved through the system is `localhost`.
"""

from __future__ import annotations

import pytest

from app.kit.urlsafety import UnsafeUrl, check_url, parse_networks, resolve_target

LOOPBACK = parse_networks(["127.0.0.0/8"])
EVERYTHING = parse_networks(["0.0.0.0/0", "::/0"])


def refusal(url, allowed=(), require_https=True) -> str:
    with pytest.raises(UnsafeUrl) as caught:
        check_url(url, list(allowed), require_https)
    return caught.value.detail


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://169.254.169.254/latest",
        "http://[fd00:ec2::254]/latest",
        "http://100.100.100.200/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://169.254.1.1/",
        "http://[fe80::1]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "https://METADATA.google.internal./",
    ],
)
def test_link_local_and_metadata_are_refused_even_when_allowed(url):
    allowed = [*EVERYTHING, *parse_networks(["169.254.0.0/16", "fe80::/10"])]

    detail = refusal(url, allowed, require_https=False)

    assert "may never reach" in detail


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:8080/hook",
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://[::1]/",
        "https://[fc00::1]/",
        "https://224.0.0.1/",
        "https://240.0.0.1/",
        "https://2130706433/",
        "https://0x7f.1/",
    ],
)
def test_non_public_targets_are_refused_with_the_setting_that_allows_them(url):
    detail = refusal(url)

    assert "MAILING_MANAGER_OUTBOUND__ALLOWED_NETWORKS" in detail


def test_loopback_is_accepted_inside_allowed_networks_even_over_http():
    check_url("http://127.0.0.1:9/hook", LOOPBACK, True)
    check_url("http://localhost:9/hook", LOOPBACK, True)


def test_http_to_a_public_target_needs_https():
    detail = refusal("http://hooks.example.com/x")

    assert "https://" in detail
    assert "MAILING_MANAGER_OUTBOUND__REQUIRE_HTTPS=false" in detail
    check_url("https://hooks.example.com/x", [], True)
    check_url("http://hooks.example.com/x", [], False)


def test_http_to_a_private_network_needs_that_network_allowed():
    assert "ALLOWED_NETWORKS" in refusal("http://10.0.0.5/x", LOOPBACK, True)
    check_url("http://10.0.0.5/x", parse_networks(["10.0.0.0/8"]), True)


@pytest.mark.parametrize(
    "url",
    ["https://user:pw@hooks.example.com/", "ftp://hooks.example.com/", "https:///x"],
)
def test_malformed_urls_and_credentials_are_refused(url):
    refusal(url, EVERYTHING, require_https=False)


def test_a_name_resolving_to_loopback_is_refused_unless_allowed():
    def resolver(host, port):
        return ["127.0.0.1"]

    with pytest.raises(UnsafeUrl, match="loopback"):
        resolve_target("https://hooks.example.com/x", [], True, resolver)
    target = resolve_target("https://hooks.example.com/x", LOOPBACK, True, resolver)
    assert (target.address, target.host, target.port) == (
        "127.0.0.1",
        "hooks.example.com",
        443,
    )


def test_a_name_resolving_to_metadata_is_refused_even_when_allowed():
    def resolver(host, port):
        return ["169.254.169.254"]

    with pytest.raises(UnsafeUrl, match="metadata"):
        resolve_target("https://rebind.example.com/", EVERYTHING, True, resolver)


def test_only_vetted_addresses_are_picked():
    def resolver(host, port):
        return ["::1", "10.0.0.1", "127.0.0.1"]

    target = resolve_target("http://svc.example.com:81/", LOOPBACK, True, resolver)

    assert target.address == "127.0.0.1"


def test_localhost_resolves_through_the_system_to_loopback():
    target = resolve_target("http://localhost:9/x", LOOPBACK, True)

    assert target.address == "127.0.0.1"


def test_bad_allowed_networks_are_named():
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300/8'"):
        parse_networks(["10.0.0.300/8"])
