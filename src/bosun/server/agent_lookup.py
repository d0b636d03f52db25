"""Finding a routable agent: exists, Ready, and where it serves A2A.

Shared by the A2A proxy and the /mcp bridge. The store mirror's in-memory view answers the
common case (a Ready agent) without a store round trip; anything else is checked against
the store itself before the caller is told no, so a just-created agent is never refused
because the mirror lags.
"""

from __future__ import annotations

from dataclasses import dataclass

from bosun.api.store import NotFound, StoredObject
from bosun.server.context import Context
from bosun.server.sync import condition

# JSON-RPC error codes of the proxy (implementation-defined server error range).
AGENT_NOT_FOUND = -32050
AGENT_NOT_READY = -32051
AGENT_UNREACHABLE = -32052
FORBIDDEN_METHOD = -32053

ROUTABLE_KINDS = ("Agent", "AgentTeam")
"""Kinds served over A2A: a team is reached at /api/a2a/{ns}/{name} like an agent."""


class AgentUnavailable(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class RoutableAgent:
    obj: StoredObject
    url: str  # base URL of the agent's A2A server, without trailing slash

    @property
    def namespace(self) -> str:
        return self.obj.namespace

    @property
    def name(self) -> str:
        return self.obj.name


def not_ready_reason(obj: StoredObject) -> str | None:
    """None when Ready is True, else why not (the condition's reason and message)."""
    ready = condition(obj, "Ready")
    if ready is not None and ready.get("status") == "True":
        return None
    if ready is None:
        accepted = condition(obj, "Accepted")
        if accepted is not None and accepted.get("status") == "False":
            return f"not accepted: {accepted.get('reason', '')}: {accepted.get('message', '')}"
        return "no Ready condition yet (the controller has not reconciled it)"
    reason = ready.get("reason") or ready.get("status")
    message = ready.get("message") or ""
    return f"{reason}: {message}" if message else str(reason)


def _cached(ctx: Context, namespace: str, name: str) -> StoredObject | None:
    mirror = ctx.mirror
    if mirror is None or not mirror.synced.is_set():
        return None
    return mirror.agents.get((namespace, name))


async def _stored(ctx: Context, namespace: str, name: str) -> StoredObject:
    """The Agent, else the AgentTeam of that name: a team is invoked exactly like an agent."""
    for kind in ROUTABLE_KINDS:
        try:
            return await ctx.store.get(kind, namespace, name)
        except NotFound:
            continue
    raise AgentUnavailable(AGENT_NOT_FOUND, "AgentNotFound", f"agent {namespace}/{name} not found")


async def find_agent(ctx: Context, namespace: str, name: str) -> RoutableAgent:
    obj = _cached(ctx, namespace, name)
    if obj is None or not_ready_reason(obj) is not None:
        obj = await _stored(ctx, namespace, name)
    why = not_ready_reason(obj)
    if why is not None:
        raise AgentUnavailable(
            AGENT_NOT_READY, "AgentNotReady", f"agent {namespace}/{name} is not ready: {why}"
        )
    return RoutableAgent(obj, ctx.endpoint(obj).rstrip("/"))
