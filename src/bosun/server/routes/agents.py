"""/api/agents: list, get (with status conditions), create, update, delete Agents.

Create and update run the translator first (objects.validate) and answer 422 naming the
field, exactly as the controller would refuse the Agent. A kagent.dev/v1alpha1 body is
converted to v1alpha2 first (bosun.api.v1alpha1_convert).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BeforeValidator

from bosun.api.agent import Agent
from bosun.api.v1alpha1_convert import to_v1alpha2
from bosun.server import objects
from bosun.server.audit import authorize_change, changed
from bosun.server.auth.rbac import readable, require_read
from bosun.server.context import Ctx, CurrentUser
from bosun.server.errors import ERROR_RESPONSES
from bosun.server.routes.common import Items, NamePath, NamespacePath

router = APIRouter(prefix="/api/agents", tags=["agents"], responses=ERROR_RESPONSES)
# A kagent.dev/v1alpha1 Agent is converted first (docs/v1alpha1.md).
AgentBody = Annotated[Agent, BeforeValidator(to_v1alpha2)]


@router.get("")
async def list_agents(
    ctx: Ctx, user: CurrentUser, namespace: str | None = Query(default=None, max_length=63)
) -> Items:
    """Agents with their status (conditions Accepted and Ready, observedGeneration); only
    those in namespaces the caller may read."""
    found = await ctx.store.list("Agent", namespace)
    allowed = set(readable(user, {o.namespace for o in found}))
    return Items(items=[objects.public(o) for o in found if o.namespace in allowed])


@router.get("/{namespace}/{name}")
async def get_agent(
    ctx: Ctx, user: CurrentUser, namespace: NamespacePath, name: NamePath
) -> dict[str, Any]:
    require_read(user, namespace, f"Agent {namespace}/{name}")
    return objects.public(await objects.get(ctx, "Agent", namespace, name))


@router.post("", status_code=201)
async def create_agent(ctx: Ctx, user: CurrentUser, agent: AgentBody) -> dict[str, Any]:
    authorize_change(ctx, user, "create", "Agent", agent.namespace, agent.name)
    created = await objects.create(ctx, agent)
    changed(ctx, user, "create", "Agent", agent.namespace, agent.name)
    return objects.public(created)


@router.put("/{namespace}/{name}")
async def update_agent(
    ctx: Ctx, user: CurrentUser, namespace: NamespacePath, name: NamePath, agent: AgentBody
) -> dict[str, Any]:
    """Replace the spec. Send metadata.resourceVersion to fail (409) on a concurrent change."""
    authorize_change(ctx, user, "update", "Agent", namespace, name)
    replaced = await objects.replace(ctx, agent, namespace, name)
    changed(ctx, user, "update", "Agent", namespace, name)
    return objects.public(replaced)


@router.delete("/{namespace}/{name}", status_code=204)
async def delete_agent(
    ctx: Ctx, user: CurrentUser, namespace: NamespacePath, name: NamePath
) -> Response:
    authorize_change(ctx, user, "delete", "Agent", namespace, name)
    await objects.delete(ctx, "Agent", namespace, name)
    changed(ctx, user, "delete", "Agent", namespace, name)
    return Response(status_code=204)
