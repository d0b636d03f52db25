"""The control plane's side of the model gateway and of Policy enforcement.

- `start_gateway` (called once by app.py's lifespan) builds the `bosun.gateway` Gateway
  from the database (counters, metering), the ResourceStore and the caller checks below,
  and puts it on `app.state.gateway`; the shared `PolicyCache` goes on
  `app.state.policies` for the A2A proxy and /mcp, and writes each Policy's Accepted
  condition as it is applied (`PolicyCache.judge_as_applied`).
- Who is calling the gateway: a per-agent token (local mode: the agent's ref and an
  expiry an hour ahead, HMAC-signed under a key derived from the secret key file,
  `agent_token_minter`; the supervisor rewrites it before it expires) or a
  ServiceAccount token with audience `bosun` (cluster mode), checked with a TokenReview.
- `invoke_refusal` (A2A proxy, /mcp): may this caller invoke that agent, and, when the
  caller is an agent of another namespace, may A2A cross from there?
- `gateway_audit`: each request the gateway answers becomes one `llm` audit record
  (action `gateway.<api>`), forwarded or refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bosun.api import gateway as contract
from bosun.gateway import tokens
from bosun.gateway.cache import PolicyCache
from bosun.gateway.metering import MeterWriter
from bosun.gateway.policy import Caller, a2a_decision, invoke_decision
from bosun.gateway.ports import AgentIdentity, GatewayEvent
from bosun.gateway.refusals import GatewayError
from bosun.gateway.routes import Gateway
from bosun.server.audit import Auditor
from bosun.server.auth import User
from bosun.server.auth.serviceaccount import ReviewFn, ServiceAccountAuthenticator
from bosun.server.context import Context
from bosun.server.db.metering import CountersRepo, GatewayRequestsRepo
from bosun.server.errors import ServiceError
from bosun.server.settings import Settings

log = logging.getLogger(__name__)

# JSON-RPC error codes of the A2A proxy for Policy refusals (docs/api.md).
A2A_DENIED = -32055
INVOKE_DENIED = -32056


@functools.lru_cache(maxsize=8)
def token_key(secret_key_file: Path) -> bytes:
    """The HMAC key of per-agent gateway tokens, derived from the local secret key (the
    file is created, owner-only, when missing: `bosun up` mints tokens before it serves).
    Read once per file: `caller_of` needs it on every A2A request an agent makes."""
    from bosun.server.secretbox import secret_key

    return hashlib.sha256(b"bosun gateway tokens\n" + secret_key(secret_key_file)).digest()


def agent_token_minter(
    settings: Settings, *, clock: Callable[[], float] = time.time
) -> Callable[[str, str], str]:
    """(namespace, agent) -> a fresh token of the agent, valid for TOKEN_SECONDS from
    `clock()`; for the local supervisor, which mints again before it expires."""
    key = token_key(settings.secret_key_file)

    def mint(namespace: str, name: str) -> str:
        expires = int(clock()) + contract.TOKEN_SECONDS
        return tokens.agent_token(key, namespace, name, expires=expires)

    return mint


def _credential(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    api_key = request.headers.get("x-api-key", "").strip()  # the Anthropic SDK's header
    return api_key or None


@dataclass
class _Identify:
    key: bytes | None
    service_accounts: ServiceAccountAuthenticator | None
    clock: Callable[[], float] = time.time

    async def __call__(self, request: Request) -> AgentIdentity:
        token = _credential(request)
        if token is None:
            raise GatewayError(401, "the model gateway needs the agent's credential")
        if tokens.is_gateway_token(token):
            found = tokens.check(self.key, token) if self.key is not None else None
            if found is None:
                raise GatewayError(401, "invalid gateway token")
            if found.expired(self.clock()):  # a copied token, or a file no longer refreshed
                raise GatewayError(
                    401,
                    f"the agent's gateway token expired at {found.expires_text()} "
                    f"(local tokens live {contract.TOKEN_SECONDS} s; the agent must re-read "
                    "its token file, which bosun up rewrites before expiry)",
                )
            return AgentIdentity(found.namespace, agent=found.name)
        if self.service_accounts is None:
            raise GatewayError(401, "unknown credential (ServiceAccount tokens are not accepted)")
        try:
            user = await self.service_accounts.authenticate(token)
        except ServiceError as exc:  # 503 while the API server cannot say: SDKs retry it
            raise GatewayError(503 if exc.status == 503 else 401, exc.message) from None
        if user is None:
            raise GatewayError(401, "the token is not a ServiceAccount token of this cluster")
        caller = Caller.of_service_account(user.id)
        assert caller.agent_namespace is not None and caller.service_account is not None
        return AgentIdentity(
            caller.agent_namespace, service_account=caller.service_account.split("/", 1)[1]
        )


def gateway_audit(audit: Auditor) -> Callable[[GatewayEvent], None]:
    """The gateway's Audit port on the server's Auditor. `user` is the user the agent
    works for when the runtime said so, else the agent's credential."""

    def record(event: GatewayEvent) -> None:
        details: dict[str, Any] = {"status": event.status_code, "caller": event.caller,
                                   "api": event.api, "streamed": event.streamed,
                                   "duration_ms": event.duration_ms}  # fmt: skip
        if event.provider:
            details["provider"] = event.provider
        if event.policy:
            details.update(policy=event.policy, rule=event.rule, reason=event.reason)
        if event.message and event.outcome != "success":
            details["message"] = event.message[:500]
        audit.record(
            kind="llm",
            action=f"gateway.{event.api}",
            outcome=event.outcome,
            user=event.user or event.caller or "-",
            namespace=event.namespace,
            agent=event.agent,
            target=event.model,
            input_tokens=event.input_tokens,
            output_tokens=event.output_tokens,
            details=details,
        )

    return record


@contextlib.asynccontextmanager
async def start_gateway(
    app: FastAPI, ctx: Context, review: ReviewFn | None = None
) -> AsyncIterator[Gateway]:
    settings = ctx.settings
    policies = PolicyCache(ctx.store, refresh=settings.policy_refresh)
    app.state.policies = policies
    key = token_key(settings.secret_key_file) if settings.mode == "local" else None
    service_accounts = (
        ServiceAccountAuthenticator(review, audience=settings.gateway_audience)
        if settings.accept_service_accounts
        else None
    )
    writer = MeterWriter(GatewayRequestsRepo(ctx.db))
    writer.start()
    gateway = Gateway(
        store=ctx.store,
        policies=policies,
        counters=CountersRepo(ctx.db),
        meter=writer,
        identify=_Identify(key, service_accounts),
        send=app.state.upstream.send,
        audit=gateway_audit(ctx.audit),
    )
    app.state.gateway = gateway
    # Each Policy's Accepted condition is written when it is applied, not at first use.
    judge = asyncio.create_task(policies.judge_as_applied(), name="policy status")
    try:
        yield gateway
    finally:
        app.state.gateway = None
        judge.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await judge
        await writer.close()


async def caller_of(ctx: Context, request: Request | None, user: User) -> Caller:
    """The caller as Policies see it: an agent (its namespace and ServiceAccount) when the
    credential is an agent's, else the user with their groups. An expired or forged
    local agent token is not an agent's: the caller is then just the user."""
    token = _credential(request) if request is not None else None
    if token is not None and tokens.is_gateway_token(token):
        key = token_key(ctx.settings.secret_key_file) if ctx.settings.mode == "local" else None
        found = tokens.verify(key, token) if key is not None else None
        if found is not None:
            namespace, name = found
            return Caller(user.id, user.groups, namespace, f"{namespace}/{name}")
    if user.kind == "agent" and token is not None:
        with contextlib.suppress(ServiceError):  # acting for a user: find the agent again
            direct = await ctx.auth.user_for_token(token)
            if direct.id.startswith("system:serviceaccount:"):
                sa = Caller.of_service_account(direct.id, direct.groups)
                return Caller(user.id, user.groups, sa.agent_namespace, sa.service_account)
    if user.id.startswith("system:serviceaccount:"):
        return Caller.of_service_account(user.id, user.groups)
    return Caller(user.id, user.groups)


@dataclass(frozen=True)
class Refusal:
    code: int
    message: str
    data: dict[str, Any]

    def rpc(self, request_id: Any) -> dict[str, Any]:
        """As a JSON-RPC error answer (HTTP 200, as the proxy's other JSON-RPC errors)."""
        error = {"code": self.code, "message": self.message, "data": self.data}
        return {"jsonrpc": "2.0", "id": request_id, "error": error}

    def rest(self) -> JSONResponse:
        """As an HTTP+JSON binding error: 403 PERMISSION_DENIED with the rule's details."""
        detail = {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                  "reason": "POLICY_DENIED", "domain": "bosun.dev",
                  "metadata": {k: str(v) for k, v in self.data.items()}}  # fmt: skip
        body = {"code": 403, "status": "PERMISSION_DENIED", "message": self.message,
                "details": [detail]}  # fmt: skip
        return JSONResponse({"error": body}, status_code=403)


async def invoke_refusal(
    ctx: Context, request: Request | None, user: User, namespace: str, agent: str
) -> Refusal | None:
    """None when the Policies of `namespace` let this caller invoke `agent` (A2A between
    namespaces first, when the caller is an agent, then invokers). The A2A proxy and
    /mcp call this before forwarding anything."""
    policies: PolicyCache | None = (
        getattr(request.app.state, "policies", None) if request is not None else None
    )
    if policies is None:
        return None
    found = await policies.policies(namespace)
    if not found:
        return None
    caller = await caller_of(ctx, request, user)
    decision = a2a_decision(found, caller.agent_namespace, namespace)
    code = A2A_DENIED
    if decision.allowed:
        decision = invoke_decision(found, namespace, agent, caller)
        code = INVOKE_DENIED
    if decision.allowed:
        return None
    log.info("policy refused %s -> %s/%s: %s", caller.id, namespace, agent, decision.message)
    data = {"reason": decision.reason, "policy": decision.policy, "rule": decision.rule}
    return Refusal(code, decision.message, data)


__all__ = [
    "A2A_DENIED",
    "INVOKE_DENIED",
    "Refusal",
    "agent_token_minter",
    "caller_of",
    "invoke_refusal",
    "start_gateway",
]
