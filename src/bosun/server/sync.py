"""Mirror of the store into the database: the agents cache and the discovered tools.

The store (CRs, or the local resources table) is the source of truth; the database keeps
what the UI lists quickly and what /api/tools serves. `StoreMirror.run()` lists, then
follows the store's watch, and re-lists when the watch ends or fails. Started by app.py's
lifespan when Settings.sync_resources is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bosun.api.store import ResourceStore, StoredObject, StoreEvent
from bosun.server.context import Endpoint
from bosun.server.db import Repositories
from bosun.server.db.records import AgentRecord, ToolServer

log = logging.getLogger(__name__)

TOOL_SERVER_KINDS = ("RemoteMCPServer", "MCPServer")


def condition(obj: StoredObject, type_: str) -> dict[str, Any] | None:
    for cond in (obj.body.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == type_:
            return cond
    return None


def is_true(obj: StoredObject, type_: str) -> bool:
    cond = condition(obj, type_)
    return cond is not None and cond.get("status") == "True"


def agent_record(obj: StoredObject, endpoint: Endpoint) -> AgentRecord:
    spec = obj.body.get("spec") or {}
    declarative = spec.get("declarative") or {}
    failing = [
        c.get("message", "")
        for c in (condition(obj, "Accepted"), condition(obj, "Ready"))
        if c is not None and c.get("status") != "True"
    ]
    kind = spec.get("type", "Declarative")
    if obj.kind == "AgentTeam":  # e.g. "RoundRobin team"
        kind = f"{spec.get('teamType', '')} team"
    return AgentRecord(
        namespace=obj.namespace,
        name=obj.name,
        agent_type=str(kind)[:32],
        description=str(spec.get("description", "")),
        model_config_ref=declarative.get("modelConfig"),
        ready=is_true(obj, "Ready"),
        accepted=is_true(obj, "Accepted"),
        status_message="; ".join(m for m in failing if m),
        url=endpoint(obj)[:2048],
    )


def _tools(obj: StoredObject) -> list[tuple[str, str]]:
    tools = (obj.body.get("status") or {}).get("discoveredTools") or []
    return [
        (str(t["name"])[:256], str(t.get("description", "")))
        for t in tools
        if isinstance(t, dict) and t.get("name")
    ]


def tool_server(obj: StoredObject) -> ToolServer:
    spec = obj.body.get("spec") or {}
    url = spec.get("url") if obj.kind == "RemoteMCPServer" else None
    return ToolServer(
        kind=obj.kind,
        namespace=obj.namespace,
        name=obj.name,
        description=str(spec.get("description", "")),
        url=url,
        ready=is_true(obj, "Ready") or is_true(obj, "Accepted"),
    )


class StoreMirror:
    def __init__(
        self, store: ResourceStore, repos: Repositories, endpoint: Endpoint, retry: float = 2.0
    ) -> None:
        self._store = store
        self._repos = repos
        self._endpoint = endpoint
        self._retry = retry
        self.synced = asyncio.Event()
        self.agents: dict[tuple[str, str], StoredObject] = {}  # read by agent_lookup.py

    async def relist(self) -> None:
        agents = await self._store.list("Agent")
        # Teams are routed and listed like agents (an Agent wins a name clash).
        agents = [*await self._store.list("AgentTeam"), *agents]
        self.agents = {(a.namespace, a.name): a for a in agents}
        await self._repos.agents.replace_all([agent_record(a, self._endpoint) for a in agents])
        await self._repos.toolservers.delete_all()
        for kind in TOOL_SERVER_KINDS:
            for obj in await self._store.list(kind):
                await self._repos.toolservers.upsert(tool_server(obj), _tools(obj))

    async def handle(self, event: StoreEvent) -> None:
        obj = event.obj
        if obj.kind in ("Agent", "AgentTeam"):
            if event.type == "DELETED":
                self.agents.pop((obj.namespace, obj.name), None)
                await self._repos.agents.delete(obj.namespace, obj.name)
            else:
                self.agents[(obj.namespace, obj.name)] = obj
                await self._repos.agents.upsert(agent_record(obj, self._endpoint))
        elif obj.kind in TOOL_SERVER_KINDS:
            if event.type == "DELETED":
                await self._repos.toolservers.delete(obj.kind, obj.namespace, obj.name)
            else:
                await self._repos.toolservers.upsert(tool_server(obj), _tools(obj))

    async def run(self) -> None:
        while True:
            watch = self._store.watch()
            try:
                await self.relist()  # after subscribing: nothing falls between the two
                self.synced.set()
                async for event in watch:
                    await self.handle(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("mirroring the store into the database failed; re-listing")
                self.synced.clear()
            finally:
                closer = getattr(watch, "aclose", None)
                if closer is not None:
                    with contextlib.suppress(Exception):
                        await closer()
            await asyncio.sleep(self._retry)
