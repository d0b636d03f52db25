"""What the gateway needs from the control plane, as Protocols the server implements.

`Gateway` (routes.py) takes these; `bosun.server.governance.start_gateway` hands in the
database's repositories (server/db/metering.py), the ResourceStore, an identity check
built from the server's authentication and an audit sink (the server's Auditor). The
gateway never imports the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fastapi import Request

from bosun.gateway.policy import Usage


@dataclass(frozen=True)
class MeteredRequest:
    """One LLM request through the gateway, as the metering table keeps it."""

    namespace: str
    agent: str
    user: str | None
    provider: str
    model: str
    api: str  # "openai" | "anthropic"
    streamed: bool
    status_code: int
    input_tokens: int = 0
    output_tokens: int = 0
    duration_ms: int = 0
    at: datetime | None = None


@dataclass(frozen=True)
class GatewayEvent:
    """One request the gateway answered, for the audit log: forwarded (with the provider's
    status and tokens) or refused (with the Policy and rule). Names and counts only: never
    a prompt, an answer, a credential or a key."""

    outcome: str  # success, error (provider 4xx/5xx), refused, unauthorized, invalid, unreachable
    namespace: str
    agent: str
    caller: str  # the credential's subject: agent:NS/NAME or system:serviceaccount:NS:SA
    user: str | None  # the user the agent works for (X-Bosun-User), when it said
    api: str
    status_code: int
    provider: str = ""
    model: str = ""
    streamed: bool = False
    input_tokens: int | None = None
    output_tokens: int | None = None
    duration_ms: int = 0
    policy: str = ""  # namespace/name of the Policy that refused
    rule: str = ""
    reason: str = ""  # model, tokens, requests
    message: str = ""  # the refusal's message (Policy names and times)


Audit = Callable[[GatewayEvent], None]
"""Records one GatewayEvent; must not raise or block (the server's Auditor queues it)."""


class Counters(Protocol):
    async def add(
        self,
        limit_key: str,
        subject: str,
        window_seconds: int,
        window_start: int,
        *,
        tokens: int = 0,
        requests: int = 0,
    ) -> Usage:
        """Atomically add to one counter and return its totals after the add."""
        ...


class Meter(Protocol):
    async def record(self, rows: Sequence[MeteredRequest]) -> None: ...


@dataclass(frozen=True)
class AgentIdentity:
    """Who called the gateway: an agent's namespace, and its name or ServiceAccount."""

    namespace: str
    agent: str | None = None  # known from a per-agent token (local mode)
    service_account: str | None = None  # known from a ServiceAccount token (cluster mode)


class ProviderResponse(Protocol):
    """A provider's answer, read as it arrives."""

    status_code: int
    headers: Mapping[str, str]

    def aiter_raw(self) -> AsyncIterator[bytes]: ...
    async def aread(self) -> bytes: ...
    async def aclose(self) -> None: ...


class Send(Protocol):
    """The pooled HTTP client to providers (the server hands in the A2A proxy's aiohttp
    pools, server/upstream.py: httpx's pool bookkeeping grows with the queue of waiting
    requests, so a burst left the gateway saturated at 120 requests/s). Raises
    httpx.HTTPError subclasses."""

    async def __call__(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes, stream: bool
    ) -> ProviderResponse: ...


Identify = Callable[[Request], Awaitable[AgentIdentity]]
"""Checks the request's credential; raises GatewayError(401) when there is none or it is bad."""
