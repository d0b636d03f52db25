"""Where a push-notification webhook may be called, and the address a delivery connects to.

Used by `bosun.runtime.push` (registration check and `WebhookSender`). A webhook URL's
host is resolved once per check; every address it resolves to must be public (or in
BOSUN_PUSH_ALLOWED_NETWORKS), else the URL is refused. A delivery then connects to the
address that was checked, not to the host name: `pinned` rewrites the URL to that IP and
keeps the name in the Host header and, for https, in TLS SNI and certificate checking
(httpx's `sni_hostname` extension). A second lookup by the HTTP client, which a DNS
server under an attacker's control could answer with 127.0.0.1 or a cluster address
(DNS rebinding), never happens.

`Resolver` is injectable (tests answer what they like); the default is the event loop's
getaddrinfo.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("bosun.runtime.push")

ALLOWED_NETWORKS_ENV = "BOSUN_PUSH_ALLOWED_NETWORKS"

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""(host, port) -> the IP addresses it resolves to (OSError: it does not)."""


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = os.environ.get(ALLOWED_NETWORKS_ENV, "")
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                log.warning("%s: %r is not a network; ignored", ALLOWED_NETWORKS_ENV, item)
    return networks


def blocked(address: str, allowed: list[Any]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    if any(ip in network for network in allowed):
        return False
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


@dataclass(frozen=True)
class Checked:
    """A webhook URL whose host resolved only to allowed addresses."""

    url: str
    scheme: str
    host: str  # as in the URL (no brackets)
    port: int
    address: str  # the first allowed address: the one to connect to

    def pinned(self) -> tuple[str, dict[str, str], dict[str, Any]]:
        """(URL with the address instead of the host, headers, request extensions)."""
        parts = urllib.parse.urlsplit(self.url)
        ip = ipaddress.ip_address(self.address.split("%", 1)[0])
        literal = f"[{ip}]" if ip.version == 6 else str(ip)
        userinfo, at, _ = parts.netloc.rpartition("@")
        netloc = f"{userinfo}{at}{literal}:{self.port}"
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        headers = {"Host": host if parts.port in (None, default) else f"{host}:{self.port}"}
        extensions: dict[str, Any] = {}
        if self.scheme == "https":
            extensions["sni_hostname"] = self.host  # and the certificate is checked for it
        return url, headers, extensions


async def check(url: str, resolve: Resolver | None = None) -> Checked | None:
    """The URL and the address to call it at, or None when it may not be called."""
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    try:
        addresses = await (resolve or system_resolve)(parsed.hostname, port)
    except (OSError, UnicodeError):
        return None  # unresolvable: fail closed
    allowed = allowed_networks()
    try:
        if not addresses or any(blocked(a, allowed) for a in addresses):
            return None
    except ValueError:
        return None
    return Checked(url, parsed.scheme, parsed.hostname, port, addresses[0])
