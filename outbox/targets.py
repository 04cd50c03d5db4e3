"""Webhook targets: refuse addresses inside the network unless explicitly allowed (SSRF)."""

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """The URL is not one ServiceFlow will send events to."""


@dataclass(frozen=True)
class ResolvedTarget:
    scheme: str
    host: str
    port: int
    address: str  # the vetted IP to connect to, so a second DNS answer cannot swap it
    path: str


def private_targets_allowed() -> bool:
    return os.environ.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", "").lower() == "true"


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_target(url: str) -> ResolvedTarget:
    """Resolve the URL's host and return a safe address to connect to, or raise UnsafeTarget."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("Webhook URLs must be http(s) URLs with a host.")
    if parts.username or parts.password:
        raise UnsafeTarget("Webhook URLs must not carry credentials.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeTarget(f"The host {parts.hostname!r} does not resolve.") from exc
    addresses = [info[4][0] for info in infos]
    if not private_targets_allowed() and not all(_is_public(a) for a in addresses):
        raise UnsafeTarget(
            f"The host {parts.hostname!r} resolves to a private, loopback or link-local address."
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ResolvedTarget(parts.scheme, parts.hostname, port, addresses[0], path)
