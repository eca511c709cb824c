"""Which URLs outbound webhooks may reach (server-side request forgery guard).

A URL is checked twice: when it is saved (`check_url`: scheme, credentials,
literal addresses and names that are always local) and before each delivery
(`resolve_target`: every address the name resolves to). Delivery then connects
to the vetted address itself, never resolving the name again, so a DNS answer
that changes between the check and the connection (DNS rebinding) cannot
redirect it.

Link-local and cloud metadata addresses are refused whatever the settings say.
Loopback, private, shared (CGNAT) and other non-global addresses are refused
unless they fall inside one of `outbound.allowedNetworks`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from app.errors import ValidationFailed

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

ALLOW_ENV = "MAILING_MANAGER_OUTBOUND__ALLOWED_NETWORKS"
HTTPS_ENV = "MAILING_MANAGER_OUTBOUND__REQUIRE_HTTPS"

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.platformequinix.com",
        "metadata.packet.net",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
ALWAYS_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")


class UnsafeUrl(ValidationFailed):
    """The URL may not be the target of an outbound webhook."""


@dataclass(frozen=True)
class Target:
    """A vetted destination: connect to `address`, speak to `host`."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def parse_networks(values: Sequence[str]) -> list[IpNetwork]:
    """`outbound.allowedNetworks` as networks; raise ValueError naming a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(
                f"'{value}' in outbound.allowedNetworks is not a network like "
                "'127.0.0.0/8' or '10.1.2.3'"
            ) from exc
    return networks


def check_url(url: str, allowed: Sequence[IpNetwork], require_https: bool) -> None:
    """Refuse, with how to allow it, a URL that can never be delivered to."""
    parts = _split(url)
    host = _host(parts)
    literal = _literal_address(host)
    if literal is not None:
        _check_address(literal, host, allowed)
        _check_scheme(parts.scheme, host, [literal], allowed, require_https)
    elif _is_localhost(host):
        local = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
        if not any(_in_networks(a, allowed) for a in local):
            raise UnsafeUrl(_refusal(f"'{host}'", "a loopback name"))
        _check_scheme(parts.scheme, host, local, allowed, require_https)
    elif parts.scheme == "http" and require_https and not allowed:
        raise UnsafeUrl(_https_needed(host))


def resolve_target(
    url: str,
    allowed: Sequence[IpNetwork],
    require_https: bool,
    resolver: Resolver | None = None,
) -> Target:
    """Resolve the URL's host and pick an address it is safe to connect to."""
    check_url(url, allowed, require_https)
    parts = _split(url)
    host = _host(parts)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = (resolver or system_resolver)(host, port)
    problems = []
    for raw in addresses:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        try:
            _check_address(address, host, allowed)
            _check_scheme(parts.scheme, host, [address], allowed, require_https)
        except UnsafeUrl as exc:
            problems.append(exc.detail)
            continue
        return Target(url, parts.scheme, host, port, str(address))
    if not problems:
        raise UnsafeUrl(f"'{host}' does not resolve to any address")
    raise UnsafeUrl(problems[0])


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the order the system prefers."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"cannot resolve '{host}': {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        raise UnsafeUrl(f"'{url}' is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl(f"'{url}' must start with https:// (or http://)")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl(
            "credentials in the URL (user:password@) are not accepted; let the "
            "receiver check the signature headers instead"
        )
    return parts


def _host(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeUrl("the URL has no host name")
    if host in METADATA_HOSTS:
        raise UnsafeUrl(
            f"'{host}' is a cloud metadata service; webhooks may never reach it"
        )
    return host


def is_metadata_host(host: str) -> bool:
    """True for a cloud metadata name, or a literal link-local/metadata address."""
    name = host.strip("[]").rstrip(".").lower()
    if name in METADATA_HOSTS:
        return True
    literal = _literal_address(name)
    if literal is None:
        return False
    address = _embedded_ipv4(literal)
    return address in METADATA_ADDRESSES or _in_networks(
        address, ALWAYS_REFUSED_NETWORKS
    )


def _literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(host):
        return None
    try:  # forms such as 2130706433 or 0x7f.1 that resolvers read as IPv4
        return ipaddress.ip_address(socket.inet_aton(host))
    except OSError:
        return None


def _is_localhost(host: str) -> bool:
    # RFC 6761 section 6.3: "localhost" and every name under it are loopback.
    return host == "localhost" or host.endswith(".localhost")


def _embedded_ipv4(address: IpAddress) -> IpAddress:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), else itself."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return address


def _check_address(address: IpAddress, host: str, allowed: Sequence[IpNetwork]) -> None:
    inner = _embedded_ipv4(address)
    for candidate in {address, inner}:
        if candidate in METADATA_ADDRESSES:
            raise UnsafeUrl(
                f"'{host}' ({candidate}) is a cloud metadata address; webhooks "
                "may never reach it"
            )
        if any(candidate in net for net in ALWAYS_REFUSED_NETWORKS):
            raise UnsafeUrl(
                f"'{host}' ({candidate}) is link-local; webhooks may never reach it"
            )
    if _is_public(address) and _is_public(inner):
        return
    if not (_in_networks(address, allowed) or _in_networks(inner, allowed)):
        raise UnsafeUrl(_refusal(f"'{host}' ({address})", _kind(inner)))


def _is_public(address: IpAddress) -> bool:
    # is_global alone lets multicast through (Python 3.11).
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _check_scheme(
    scheme: str,
    host: str,
    addresses: Sequence[IpAddress],
    allowed: Sequence[IpNetwork],
    require_https: bool,
) -> None:
    if scheme == "https" or not require_https:
        return
    if not any(_in_networks(a, allowed) for a in addresses):
        raise UnsafeUrl(_https_needed(host))


def _in_networks(address: IpAddress, networks: Sequence[IpNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _kind(address: IpAddress) -> str:
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (CGNAT) address"
    if address.is_private:
        return "a private address"
    return "a reserved, non-public address"


def _refusal(label: str, kind: str) -> str:
    return (
        f"{label} is {kind}; webhooks may reach it only if it is inside "
        f"outbound.allowedNetworks, for instance {ALLOW_ENV}='[\"127.0.0.0/8\"]' "
        "for this machine or '[\"10.0.0.0/8\"]' for a private network"
    )


def _https_needed(host: str) -> str:
    return (
        f"plain http:// to '{host}' is refused: use https://, or put the "
        f"receiver's network in outbound.allowedNetworks ({ALLOW_ENV}="
        f"'[\"127.0.0.0/8\"]'), or set {HTTPS_ENV}=false"
    )
