"""Host and Origin validation for MCP endpoints: protection against DNS rebinding.

A web page on `evil.example` can make its name resolve to 127.0.0.1 (or a pod IP) and then
talk to an MCP server there from the victim's browser. The browser still sends
`Host: evil.example` and `Origin: http://evil.example`, so a server that accepts only the
names it is really reached by cannot be used that way. Used by the control plane's /mcp
(server/mcp_bridge.py), `bosun tools serve` (tools/server.py) and `bosun mcp-bridge`
(mcpbridge/app.py), through `HostGuard` (ASGI middleware) or `HostPolicy.check`.

Allowed Host values (the port is ignored):
- always: `localhost`, any IP literal (an IP in Host cannot come from a rebound name:
  that is what kubelet probes and `curl http://10.1.2.3:8080` send);
- when listening on something other than loopback (a pod bound to 0.0.0.0): also names
  without a dot (a Service in the same namespace: `bosun-tools`), `<name>.<namespace>`
  for the pod's own namespace, and names under `.svc` / `.svc.cluster.local` (Service
  DNS names), plus the machine's own host name (the pod name);
- and whatever `BOSUN_ALLOWED_HOSTS` lists (comma-separated or a JSON list): `host`,
  `*.example.com` (any sub-domain), or `*` (no Host check at all).

An `Origin` header (sent by browsers) must be loopback, the same host as `Host`
(same-origin pages, e.g. a UI served by the same server), or listed in
`BOSUN_ALLOWED_ORIGINS` (`https://app.example.com`, `*` for any). No Origin (every
non-browser client) is fine. A refusal is HTTP 403 with a JSON body naming the header.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

HOSTS_ENV = "BOSUN_ALLOWED_HOSTS"
ORIGINS_ENV = "BOSUN_ALLOWED_ORIGINS"
LOOPBACK_BINDS = ("127.0.0.1", "localhost", "::1", "[::1]")
SERVICE_SUFFIXES = (".svc", ".svc.cluster.local")
NAMESPACE_FILE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
EXEMPT_PATHS = ("/healthz", "/readyz", "/health")


def parse_list(value: str | Sequence[str] | None) -> list[str]:
    """A setting given as a JSON list, comma-separated text, or already a list."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            loaded = json.loads(text)
            return [str(v).strip() for v in loaded if str(v).strip()]
        return [v.strip() for v in text.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def host_of(value: str) -> str:
    """The host part of a Host header (`name:port`, `[::1]:80`), lower case, no port."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value  # a bare IPv6 address or a plain name


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback_name(host: str) -> bool:
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)
    )


def _matches(host: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def _pod_namespace() -> str | None:
    namespace = os.environ.get("POD_NAMESPACE")
    if namespace:
        return namespace.strip()
    try:
        return NAMESPACE_FILE.read_text().strip() or None
    except OSError:
        return None


@dataclass(frozen=True)
class HostPolicy:
    """Which Host and Origin headers an MCP endpoint accepts (see the module docstring)."""

    extra_hosts: tuple[str, ...] = ()
    extra_origins: tuple[str, ...] = ()
    in_cluster_names: bool = False  # listening beyond loopback: Service names are fine
    namespace: str | None = None
    own_names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_bind(
        cls,
        bind_host: str,
        *,
        allowed_hosts: str | Sequence[str] | None = None,
        allowed_origins: str | Sequence[str] | None = None,
    ) -> HostPolicy:
        """The policy of a server listening on `bind_host`; the allow-lists default to
        $BOSUN_ALLOWED_HOSTS and $BOSUN_ALLOWED_ORIGINS."""
        hosts = parse_list(os.environ.get(HOSTS_ENV) if allowed_hosts is None else allowed_hosts)
        origins = parse_list(
            os.environ.get(ORIGINS_ENV) if allowed_origins is None else allowed_origins
        )
        wide = bind_host.strip().lower() not in LOOPBACK_BINDS
        names: set[str] = set()
        if wide:
            for name in (socket.gethostname(), os.environ.get("HOSTNAME", "")):
                if name:
                    names.add(name.lower())
        return cls(
            extra_hosts=tuple(h.lower() for h in hosts),
            extra_origins=tuple(o.lower().rstrip("/") for o in origins),
            in_cluster_names=wide,
            namespace=_pod_namespace() if wide else None,
            own_names=frozenset(names),
        )

    def host_allowed(self, header: str | None) -> bool:
        if not header:
            return False  # HTTP/1.1 requires Host; a request without one is not a browser's
        host = host_of(header)
        if not host:
            return False
        if _is_ip(host) or _is_loopback_name(host) or _matches(host, self.extra_hosts):
            return True
        if not self.in_cluster_names:
            return False
        if "." not in host or host in self.own_names or host.endswith(SERVICE_SUFFIXES):
            return True
        return (
            self.namespace is not None
            and host.count(".") == 1
            and host.endswith("." + self.namespace)
        )

    def origin_allowed(self, origin: str | None, host_header: str | None) -> bool:
        if origin is None:
            return True  # not a browser (or a same-origin GET): nothing to check
        origin = origin.strip().lower().rstrip("/")
        if "*" in self.extra_origins or origin in self.extra_origins:
            return True
        if origin == "null":
            return False  # sandboxed frames and file:// pages
        parts = urlsplit(origin)
        if not parts.hostname:
            return False
        if _is_loopback_name(parts.hostname):
            return True
        # Same origin: the page was served by this server under the name it was reached by
        # (and that name passed the Host check).
        return bool(host_header) and parts.netloc == (host_header or "").strip().lower()

    def check(self, headers: Headers) -> str | None:
        """None when the request may go on, else why it is refused."""
        host = headers.get("host")
        if not self.host_allowed(host):
            return (
                f"Host {host!r} is not allowed for this MCP endpoint; add it to "
                f"{HOSTS_ENV} if this server is really reached by that name"
            )
        origin = headers.get("origin")
        if not self.origin_allowed(origin, host):
            return (
                f"Origin {origin!r} is not allowed for this MCP endpoint; add it to "
                f"{ORIGINS_ENV} to let pages from there call it"
            )
        return None


def refusal(reason: str) -> JSONResponse:
    field_name = "header.host" if reason.startswith("Host") else "header.origin"
    body = {
        "error": "forbidden",
        "field": field_name,
        "message": reason,
        "errors": [{"field": field_name, "message": reason}],
    }
    return JSONResponse(body, status_code=403)


class HostGuard:
    """ASGI middleware: refuse (403) HTTP requests whose Host or Origin the policy rejects.
    Paths in `exempt` (health probes) are not checked."""

    def __init__(
        self, app: ASGIApp, policy: HostPolicy, *, exempt: Sequence[str] = EXEMPT_PATHS
    ) -> None:
        self.app = app
        self.policy = policy
        self.exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") not in self.exempt:
            reason = self.policy.check(Headers(scope=scope))
            if reason is not None:
                await refusal(reason)(scope, receive, send)
                return
        await self.app(scope, receive, send)
