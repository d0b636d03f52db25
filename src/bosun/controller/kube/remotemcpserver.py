"""Discover the tools of a RemoteMCPServer, or of an MCPServer at its Service URL.

Runs in the discovery queue (never in the reconcile queue: a slow server must not delay
agents). Success writes `status.discoveredTools`, the condition and the sink, and comes
back after `discovery_interval`. Failure keeps the last-known tools, writes the condition
as False with the error, and retries with backoff (5 s, 10 s, ... up to the interval).

Conditions: a RemoteMCPServer's `Accepted` is about reaching it (as in kagent); an
MCPServer keeps `Accepted`/`Ready` for its Deployment and reports discovery as `Discovered`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from typing import Any

from pydantic import ValidationError

from bosun.api.mcpserver import DiscoveredTool, MCPServer, RemoteMCPServer, parse_duration
from bosun.controller.discovery import DiscoveryFailed, Endpoint, list_tools, ssl_context
from bosun.controller.kube.agent import invalid_spec_message
from bosun.controller.kube.context import Controller
from bosun.controller.kube.gather import Collector
from bosun.controller.kube.index import references_of
from bosun.controller.kube.sink import ToolServerKind, ToolServerRecord
from bosun.controller.kube.status import ACCEPTED, Cond, build_status, ready_condition
from bosun.controller.translate import mcp_server_url
from bosun.controller.translate.tools import check_remote_server

logger = logging.getLogger(__name__)

DISCOVERED = "Discovered"
Obj = dict[str, Any]


async def _secret_value(ctl: Controller, namespace: str, name: str, key: str) -> str | None:
    """One Secret value, read when needed (values are never cached)."""
    secret = await ctl.client.get("v1", "Secret", namespace, name)
    raw = ((secret or {}).get("data") or {}).get(key)
    return base64.b64decode(raw).decode() if raw is not None else None


async def _remote_endpoint(ctl: Controller, server: RemoteMCPServer, body: Obj) -> Endpoint:
    """The endpoint with resolved headers; DiscoveryFailed names a missing reference."""
    collector = Collector(ctl)
    for dependency in references_of("RemoteMCPServer", body):
        collector.add(dependency)
    problems = check_remote_server(server, collector.references({}))
    if problems:
        raise DiscoveryFailed("; ".join(str(p) for p in problems))
    ns = server.namespace
    headers: dict[str, str] = {}
    for ref in server.spec.headers_from:
        if ref.value is not None:
            headers[ref.name] = ref.value
        elif ref.value_from is not None and ref.value_from.type == "ConfigMap":
            headers[ref.name] = (ctl.cache.config_map(ns, ref.value_from.name) or {})[
                ref.value_from.key
            ]
        elif ref.value_from is not None:
            value = await _secret_value(ctl, ns, ref.value_from.name, ref.value_from.key)
            if value is None:
                raise DiscoveryFailed(
                    f'header {ref.name}: Secret "{ns}/{ref.value_from.name}" changed'
                )
            headers[ref.name] = value
    tls = server.spec.tls
    verify: Any = True
    if tls is not None:
        ca = None
        if tls.ca_cert_secret_ref:
            ca = await _secret_value(
                ctl, ns, tls.ca_cert_secret_ref, tls.ca_cert_secret_key or "ca.crt"
            )
        verify = ssl_context(
            ca, disable_verify=tls.disable_verify, system_cas=not tls.disable_system_cas
        )
    return Endpoint(
        url=server.spec.url,
        protocol=server.spec.protocol,
        headers=headers,
        timeout=parse_duration(server.spec.timeout),
        sse_read_timeout=parse_duration(server.spec.sse_read_timeout)
        if server.spec.sse_read_timeout
        else None,
        verify=verify,
        terminate_on_close=server.spec.terminate_on_close,
    )


def _mcpserver_ready(ctl: Controller, server: MCPServer) -> bool:
    """Ready as its reconcile sees it: from the Deployment (named after the server)."""
    deployment = ctl.cache.deployment(server.namespace, server.name)
    return bool(ready_condition(server.namespace, server.name, deployment).status)


async def discover_server(ctl: Controller, kind: str, namespace: str, name: str) -> float | None:
    """Discover once; the return value is when to come back (None: when something changes)."""
    key = (kind, namespace, name)
    body = ctl.cache.get(kind, namespace, name)
    if body is None:
        await ctl.sink.delete_tools(_kind(kind), namespace, name)
        ctl.forget(key)
        return None
    ctl.check_fresh(key, body)
    generation = int(body["metadata"].get("generation") or 0)
    condition = ACCEPTED if kind == "RemoteMCPServer" else DISCOVERED
    try:
        if kind == "RemoteMCPServer":
            server = RemoteMCPServer.model_validate(body)
            endpoint = await _remote_endpoint(ctl, server, body)
            description = server.spec.description
        else:
            mcp = MCPServer.model_validate(body)
            if not _mcpserver_ready(ctl, mcp):
                return None  # its reconcile queues the discovery once it is Ready
            endpoint = Endpoint(
                url=mcp_server_url(mcp, ctl.settings.translate),
                timeout=parse_duration(mcp.spec.timeout),
            )
            description = mcp.spec.description
    except ValidationError as exc:
        cond = Cond(condition, False, "InvalidSpec", invalid_spec_message(exc))
        await ctl.write_status(body, build_status(body.get("status"), [cond], generation))
        return None
    except DiscoveryFailed as exc:
        return await _failed(ctl, key, body, condition, "", "", str(exc), generation)
    try:
        tools = await list_tools(endpoint)
    except DiscoveryFailed as exc:
        return await _failed(
            ctl, key, body, condition, endpoint.url, endpoint.protocol, str(exc), generation
        )
    ctl.discovery_failures.pop(key, None)
    names = ", ".join(t.name for t in tools) or "none"
    cond = Cond(condition, True, "ToolsDiscovered", f"{len(tools)} tools discovered: {names}")
    wire = [t.to_wire() for t in tools]
    await ctl.write_status(
        body, build_status(body.get("status"), [cond], generation, discoveredTools=wire)
    )
    await _sink(ctl, key, endpoint.url, endpoint.protocol, description, tools, None)
    return ctl.settings.discovery_interval


async def _failed(
    ctl: Controller,
    key: tuple[str, str, str],
    body: Obj,
    condition: str,
    url: str,
    protocol: str,
    message: str,
    generation: int,
) -> float:
    failures = ctl.discovery_failures.get(key, 0) + 1
    ctl.discovery_failures[key] = failures
    delay = float(
        min(ctl.settings.discovery_backoff * 2 ** (failures - 1), ctl.settings.discovery_interval)
    )
    logger.info("%s %s/%s: %s (retry in %.0fs)", *key, message, delay)
    cond = Cond(condition, False, "DiscoveryFailed", message)
    # discoveredTools is left as it was: the last-known tools stay usable.
    await ctl.write_status(body, build_status(body.get("status"), [cond], generation))
    last = [
        DiscoveredTool.model_validate(t)
        for t in (body.get("status") or {}).get("discoveredTools") or []
    ]
    spec = body.get("spec") or {}
    await _sink(
        ctl,
        key,
        url or str(spec.get("url", "")),
        protocol,
        str(spec.get("description", "")),
        last,
        message,
    )
    return delay


def _kind(kind: str) -> ToolServerKind:
    return "RemoteMCPServer" if kind == "RemoteMCPServer" else "MCPServer"


async def _sink(
    ctl: Controller,
    key: tuple[str, str, str],
    url: str,
    protocol: str,
    description: str,
    tools: list[DiscoveredTool],
    error: str | None,
) -> None:
    record = ToolServerRecord(
        kind=_kind(key[0]),
        namespace=key[1],
        name=key[2],
        url=url,
        protocol=protocol or "STREAMABLE_HTTP",
        description=description,
        tools=tools,
        error=error,
    )
    fingerprint = hashlib.sha256(
        json.dumps([url, protocol, description, [t.to_wire() for t in tools], error]).encode()
    ).hexdigest()
    if ctl.sunk.get(key) == fingerprint:
        return
    await ctl.sink.upsert_tools(record)
    ctl.sunk[key] = fingerprint
