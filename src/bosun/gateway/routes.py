"""The gateway's HTTP side: `/gateway/{namespace}/{agent}/{modelconfig}/...`.

- `.../openai/v1/chat/completions` (OpenAI Chat Completions; also Ollama) and
  `.../anthropic/v1/messages` (Anthropic Messages), streaming or not, tool calls
  included: the body goes to the ModelConfig's real provider with the real key (read
  from its Secret through the ResourceStore), `model` pinned to the ModelConfig's.
- Before forwarding: the credential must be the agent's own (its per-agent token, or a
  ServiceAccount token of the agent's ServiceAccount), the agent must use that
  ModelConfig, the namespace's Policies must allow the model, and no limit may be spent
  (`bosun.gateway.policy`). Refusals come in the provider's error shape: 401, 403, or
  429 with Retry-After (and `x-should-retry: false` when the wait is long, so the SDKs
  in the agent give up at once and the task fails with the message).
- After: tokens from the provider's usage are added to the counters and metered.
- Every answer is recorded: GenAI metrics (`gen_ai_client_*`) for forwarded calls,
  `bosun_budget_rejections_total` for Policy refusals (bosun.telemetry.controlplane),
  and one `llm` audit record per request, refused ones included (the `Audit` port).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from bosun.api.agent import Agent
from bosun.api.modelconfig import ModelConfig
from bosun.api.store import NotFound, ResourceStore
from bosun.gateway.cache import PolicyCache
from bosun.gateway.metering import MeterWriter, StreamMeter, Tokens, from_body
from bosun.gateway.policy import (
    AppliedLimit,
    Usage,
    applicable_limits,
    limit_decision,
    model_decision,
)
from bosun.gateway.ports import (
    AgentIdentity,
    Audit,
    Counters,
    GatewayEvent,
    Identify,
    MeteredRequest,
    ProviderResponse,
    Send,
)
from bosun.gateway.refusals import GatewayError, error_response
from bosun.gateway.upstream import Api, Upstream, upstream_for
from bosun.telemetry import controlplane as metrics

log = logging.getLogger(__name__)

USER_HEADER = "x-bosun-user"
_FORWARD = ("anthropic-version", "anthropic-beta", "openai-beta", "accept")
_BACK = ("content-type", "retry-after", "x-should-retry", "request-id", "x-request-id")
MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True)
class _Target:
    agent: Agent
    upstream: Upstream


class _Ttl:
    """A few seconds of memory for store reads on the request path."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key: Any, value: Any) -> None:
        if len(self._items) > 10_000:
            self._items.clear()
        self._items[key] = (time.monotonic() + self.seconds, value)


class Gateway:
    def __init__(
        self,
        *,
        store: ResourceStore,
        policies: PolicyCache,
        counters: Counters,
        meter: MeterWriter,
        identify: Identify,
        send: Send,
        audit: Audit | None = None,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.policies = policies
        self.counters = counters
        self.meter = meter
        self.identify = identify
        self.send = send
        self.audit = audit
        self.clock = clock
        self._targets = _Ttl(cache_seconds)

    async def handle(
        self, request: Request, api: Api, namespace: str, agent: str, modelconfig: str
    ) -> Response:
        started = time.perf_counter()
        identity: AgentIdentity | None = None
        upstream: Upstream | None = None
        user: str | None = None
        try:
            identity = await self.identify(request)
            # The user the agent works for, as its runtime says (the A2A caller the
            # control plane named): believed only with the agent's own credential.
            user = request.headers.get(USER_HEADER, "")[:255] or None
            target = await self._target(namespace, agent, modelconfig)
            _check_identity(identity, target.agent)
            upstream = target.upstream
            if upstream.api != api:
                raise GatewayError(
                    400,
                    f"ModelConfig {namespace}/{modelconfig} is provider {upstream.provider}: "
                    f"use the {upstream.api} path of the gateway",
                )
            body = await _json_body(request)
            decision = model_decision(
                await self.policies.policies(namespace), namespace, upstream.provider,
                upstream.model,
            )  # fmt: skip
            if not decision.allowed:
                raise GatewayError.of(decision)
            now = self.clock()
            limits = applicable_limits(
                await self.policies.policies(namespace), namespace, agent, user, now
            )
            await self._check_limits(limits, now)
        except GatewayError as exc:
            if exc.status in (403, 429):
                log.info("gateway refused %s/%s: %s", namespace, agent, exc.message)
            self._refused(exc, api, namespace, agent, identity, user, upstream, started)
            return error_response(api, exc)
        streamed = bool(body.get("stream"))
        body["model"] = upstream.model
        if streamed and api == "openai":
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        call = _Call(self, upstream, limits, namespace, agent, _caller(identity), user, streamed,
                     started, now)  # fmt: skip
        headers = {k: v for k in _FORWARD if (v := request.headers.get(k))}
        headers["content-type"] = "application/json"
        headers.update(upstream.headers)
        try:
            response = await self.send(
                "POST", upstream.url, headers=headers, body=json.dumps(body).encode(),
                stream=streamed,
            )  # fmt: skip
        except httpx.HTTPError as exc:
            call.done(502, Tokens(), outcome="unreachable")
            why = f"the provider of {namespace}/{modelconfig} is unreachable: {type(exc).__name__}"
            return error_response(api, GatewayError(502, why))
        back = {k: v for k in _BACK if (v := response.headers.get(k))}
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            back["x-accel-buffering"] = "no"
            return StreamingResponse(
                call.stream(response), status_code=response.status_code, headers=back
            )
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        tokens = Tokens()
        if response.status_code < 300:
            with contextlib.suppress(ValueError):
                tokens = from_body(upstream.api, json.loads(content))
        await call.finish(response.status_code, tokens)
        return Response(content, response.status_code, headers=back)

    def _refused(
        self,
        exc: GatewayError,
        api: str,
        namespace: str,
        agent: str,
        identity: AgentIdentity | None,
        user: str | None,
        upstream: Upstream | None,
        started: float,
    ) -> None:
        """A request the gateway answered itself: the rejection metric (Policy refusals)
        and its audit record."""
        if exc.policy:
            metrics.budget_rejected(namespace, agent, policy=exc.policy, reason=exc.what)
        if self.audit is None:
            return
        outcome = {401: "unauthorized", 403: "refused", 429: "refused", 502: "unreachable"}
        self.audit(
            GatewayEvent(
                outcome=outcome.get(exc.status, "invalid"),
                namespace=namespace,
                agent=agent,
                caller=_caller(identity),
                user=user,
                api=api,
                status_code=exc.status,
                provider=upstream.provider if upstream is not None else "",
                model=upstream.model if upstream is not None else "",
                duration_ms=int((time.perf_counter() - started) * 1000),
                policy=exc.policy,
                rule=exc.rule,
                reason=exc.what,
                message=exc.message,
            )
        )

    async def _target(self, namespace: str, agent_name: str, mc_name: str) -> _Target:
        key = (namespace, agent_name, mc_name)
        cached: _Target | None = self._targets.get(key)
        if cached is not None:
            return cached
        agent = await self._typed(Agent, "Agent", namespace, agent_name)
        if mc_name not in _model_configs_of(agent):
            raise GatewayError(
                403, f"agent {namespace}/{agent_name} does not use ModelConfig {mc_name}"
            )
        mc = await self._typed(ModelConfig, "ModelConfig", namespace, mc_name)
        key_value = await self._api_key(mc)
        try:
            upstream = upstream_for(mc, key_value)
        except ValueError as exc:
            raise GatewayError(400, f"ModelConfig {namespace}/{mc_name}: {exc}") from None
        target = _Target(agent, upstream)
        self._targets.put(key, target)
        return target

    async def _typed(self, cls: Any, kind: str, namespace: str, name: str) -> Any:
        try:
            obj = await self.store.get(kind, namespace, name)
            return cls.model_validate(obj.body)
        except NotFound:
            raise GatewayError(404, f"{kind} {namespace}/{name} not found") from None
        except ValidationError:
            raise GatewayError(400, f"{kind} {namespace}/{name} is not valid") from None

    async def _api_key(self, mc: ModelConfig) -> str | None:
        spec = mc.spec
        if not spec.api_key_secret or not spec.api_key_secret_key:
            return None
        try:
            secret = await self.store.get("Secret", mc.namespace, spec.api_key_secret)
        except NotFound:
            raise GatewayError(
                502, f"Secret {mc.namespace}/{spec.api_key_secret} of ModelConfig not found"
            ) from None
        data = secret.body.get("data") or {}
        if spec.api_key_secret_key in data:
            return base64.b64decode(data[spec.api_key_secret_key]).decode().strip()
        string_data = secret.body.get("stringData") or {}
        value = string_data.get(spec.api_key_secret_key)
        if value is None:
            raise GatewayError(
                502,
                f"Secret {mc.namespace}/{spec.api_key_secret} has no key {spec.api_key_secret_key}",
            )
        return str(value).strip()

    async def _check_limits(self, limits: list[AppliedLimit], now: float) -> None:
        # Together, so that the counter store can write them in one transaction.
        totals = await asyncio.gather(*(
            self.counters.add(
                limit.key, limit.subject, limit.window.seconds, limit.window.start,
                requests=1 if limit.requests is not None else 0,
            )
            for limit in limits
        ))  # fmt: skip
        used: list[tuple[AppliedLimit, Usage]] = list(zip(limits, totals, strict=True))
        decision = limit_decision(used, now)
        if not decision.allowed:
            raise GatewayError.of(decision)


@dataclass
class _Call:
    """One forwarded request: what is counted and metered when it ends."""

    gateway: Gateway
    upstream: Upstream
    limits: list[AppliedLimit]
    namespace: str
    agent: str
    caller: str
    user: str | None
    streamed: bool
    started: float
    now: float

    async def stream(self, response: ProviderResponse) -> AsyncIterator[bytes]:
        meter = StreamMeter(self.upstream.api)
        try:
            async for chunk in response.aiter_raw():
                yield chunk
                meter.feed(chunk)
        finally:
            await response.aclose()
            await self.finish(response.status_code, meter.tokens)

    async def finish(self, status: int, tokens: Tokens) -> None:
        if tokens.total:
            for limit in self.limits:
                if limit.tokens is None:
                    continue
                try:
                    await self.gateway.counters.add(
                        limit.key, limit.subject, limit.window.seconds, limit.window.start,
                        tokens=tokens.total,
                    )  # fmt: skip
                except Exception:
                    log.exception("could not count %d tokens for %s", tokens.total, limit.key)
        self.done(status, tokens)

    def done(self, status: int, tokens: Tokens, outcome: str | None = None) -> None:
        seconds = time.perf_counter() - self.started
        upstream = self.upstream
        self.gateway.meter.add(
            MeteredRequest(
                namespace=self.namespace,
                agent=self.agent,
                user=self.user,
                provider=upstream.provider,
                model=upstream.model,
                api=upstream.api,
                streamed=self.streamed,
                status_code=status,
                input_tokens=tokens.input,
                output_tokens=tokens.output,
                duration_ms=int(seconds * 1000),
                at=datetime.fromtimestamp(self.now, UTC),
            )
        )
        ok = status < 400
        metrics.llm_call(
            upstream.provider.lower(), upstream.model, self.agent, self.namespace, seconds,
            tokens.input if ok else None, tokens.output if ok else None,
            error_type="" if ok else str(status),
        )  # fmt: skip
        if self.gateway.audit is None:
            return
        self.gateway.audit(
            GatewayEvent(
                outcome=outcome or ("success" if ok else "error"),
                namespace=self.namespace,
                agent=self.agent,
                caller=self.caller,
                user=self.user,
                api=upstream.api,
                status_code=status,
                provider=upstream.provider,
                model=upstream.model,
                streamed=self.streamed,
                input_tokens=tokens.input if ok else None,
                output_tokens=tokens.output if ok else None,
                duration_ms=int(seconds * 1000),
            )
        )


def _caller(identity: AgentIdentity | None) -> str:
    """The credential's subject, as the audit log names it."""
    if identity is None:
        return ""
    if identity.agent is not None:
        return f"agent:{identity.namespace}/{identity.agent}"
    return f"system:serviceaccount:{identity.namespace}:{identity.service_account or ''}"


def _model_configs_of(agent: Agent) -> set[str]:
    spec = agent.spec.declarative
    if spec is None:
        return set()
    names = {spec.model_config_}
    if spec.memory is not None and spec.memory.model_config_:
        names.add(spec.memory.model_config_)
    compaction = spec.context.compaction if spec.context else None
    if compaction is not None and compaction.summarizer and compaction.summarizer.model_config_:
        names.add(compaction.summarizer.model_config_)
    return names


def service_account_of(agent: Agent) -> str:
    """The ServiceAccount an agent's pods run as (the translator's choice, mirrored)."""
    spec = agent.spec.declarative or agent.spec.byo
    deployment = getattr(spec, "deployment", None) if spec is not None else None
    named = getattr(deployment, "service_account_name", None)
    return str(named) if named else agent.name


def _check_identity(identity: AgentIdentity, agent: Agent) -> None:
    ref = f"{agent.namespace}/{agent.name}"
    if identity.namespace != agent.namespace:
        raise GatewayError(403, f"this credential is not one of agent {ref}")
    if identity.agent is not None and identity.agent != agent.name:
        raise GatewayError(403, f"this credential is not one of agent {ref}")
    if identity.service_account is not None and identity.service_account != service_account_of(
        agent
    ):
        raise GatewayError(403, f"ServiceAccount {identity.service_account} does not run {ref}")


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise GatewayError(413, "request larger than 32 MB")
    try:
        body = json.loads(raw)
    except ValueError:
        raise GatewayError(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise GatewayError(400, "the body must be a JSON object")
    return body


PREFIX = "/gateway/{namespace}/{agent}/{modelconfig}"


def build_router() -> APIRouter:
    """The gateway's routes; they serve the `Gateway` on `app.state.gateway` (503 before)."""
    router = APIRouter(tags=["gateway"])

    def running(request: Request, api: Api) -> Gateway | JSONResponse:
        gateway = getattr(request.app.state, "gateway", None)
        if gateway is None:
            return error_response(api, GatewayError(503, "the model gateway is not running"))
        return cast(Gateway, gateway)

    @router.post(PREFIX + "/openai/v1/chat/completions")
    async def openai_chat(
        request: Request, namespace: str, agent: str, modelconfig: str
    ) -> Response:
        """OpenAI Chat Completions, forwarded to the ModelConfig's provider (docs/gateway.md)."""
        gateway = running(request, "openai")
        if isinstance(gateway, Response):
            return gateway
        return await gateway.handle(request, "openai", namespace, agent, modelconfig)

    @router.post(PREFIX + "/anthropic/v1/messages")
    async def anthropic_messages(
        request: Request, namespace: str, agent: str, modelconfig: str
    ) -> Response:
        """Anthropic Messages, forwarded to the ModelConfig's provider (docs/gateway.md)."""
        gateway = running(request, "anthropic")
        if isinstance(gateway, Response):
            return gateway
        return await gateway.handle(request, "anthropic", namespace, agent, modelconfig)

    return router
