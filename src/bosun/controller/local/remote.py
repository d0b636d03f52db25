"""RemoteMCPServers in local mode: Accepted and `status.discoveredTools`, kept fresh.

Each server gets one background task that lists its tools now and every REFRESH_SECONDS,
restarted when its spec (or a Secret its headers use) changes. A failure sets Accepted
False with the reason and keeps the last-known tools, as the cluster operator does; a slow
server never blocks the supervisor's reconcile.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from bosun.api import RemoteMCPServer
from bosun.api.mcpserver import parse_duration
from bosun.controller.discovery import DiscoveryFailed, Endpoint, list_tools
from bosun.controller.local.conditions import ACCEPTED, condition
from bosun.controller.local.mirror import Mirror, ObjKey

log = logging.getLogger("bosun.local")
REFRESH_SECONDS = 60.0

StatusWriter = Callable[..., Awaitable[None]]


class RemoteServers:
    def __init__(self, mirror: Mirror, write_status: StatusWriter) -> None:
        self._mirror = mirror
        self._write_status = write_status
        self._running: dict[ObjKey, tuple[str, asyncio.Task[None]]] = {}

    def tasks(self) -> list[asyncio.Task[None]]:
        return [task for _, task in self._running.values()]

    def reconcile(self) -> None:
        """Start, restart or stop discovery tasks to match the mirror."""
        wanted: dict[ObjKey, tuple[str, RemoteMCPServer]] = {}
        for resource in self._mirror.of_kind("RemoteMCPServer"):
            server = cast(RemoteMCPServer, resource)
            headers, problems = self._headers(server)
            print_ = json.dumps([server.spec.to_wire(), headers, problems], sort_keys=True)
            wanted[server.key] = (print_, server)
        for key in [k for k in self._running if k not in wanted]:
            self._running.pop(key)[1].cancel()
        for key, (print_, server) in wanted.items():
            current = self._running.get(key)
            if current is not None and current[0] == print_ and not current[1].done():
                continue
            if current is not None:
                current[1].cancel()
            task = asyncio.create_task(self._follow(server), name=f"discover {key}")
            self._running[key] = (print_, task)

    def _headers(self, server: RemoteMCPServer) -> tuple[dict[str, str], list[str]]:
        headers: dict[str, str] = {}
        problems: list[str] = []
        for i, ref in enumerate(server.spec.headers_from):
            if ref.value is not None:
                headers[ref.name] = ref.value
                continue
            source = ref.value_from
            assert source is not None
            data = self._mirror.data(source.type, server.namespace, source.name)
            where = f"spec.headersFrom[{i}]: {source.type} {server.namespace}/{source.name}"
            if data is None:
                problems.append(f"{where} not found")
            elif source.key not in data:
                problems.append(f"{where} has no key {source.key!r}")
            else:
                headers[ref.name] = data[source.key]
        return headers, problems

    async def _follow(self, server: RemoteMCPServer) -> None:
        generation = server.metadata.generation or 0
        headers, problems = self._headers(server)
        if problems:
            bad = condition(ACCEPTED, False, "HeaderSecretMissing", "; ".join(problems))
            await self._write_status(server.key, [bad], generation=generation)
            return
        timeout = parse_duration(server.spec.timeout)
        while True:
            accepted: dict[str, Any]
            extra: dict[str, Any] | None = None
            try:
                endpoint = Endpoint(
                    server.spec.url, server.spec.protocol, headers=headers, timeout=timeout
                )
                tools = [tool.to_wire() for tool in await list_tools(endpoint)]
            except DiscoveryFailed as exc:
                accepted = condition(ACCEPTED, False, "DiscoveryFailed", str(exc))
            else:
                message = f"{len(tools)} tools discovered at {server.spec.url}"
                accepted = condition(ACCEPTED, True, "ToolsDiscovered", message)
                extra = {"discoveredTools": tools}
            await self._write_status(server.key, [accepted], generation=generation, extra=extra)
            await asyncio.sleep(REFRESH_SECONDS)
