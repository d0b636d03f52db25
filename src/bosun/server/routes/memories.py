"""/api/memories: agents' long-term memories of the caller (docs/memory.md).

Agents write and search them acting for the user whose request they serve (X-Bosun-User,
as for sessions); users list and delete their own. Nobody reads another user's memories:
every query is filtered by the caller (another user's memory is 404). Reading or writing
memories of an agent needs the viewer role in its namespace (who may call an agent may
keep memories with it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from bosun.server.auth import User
from bosun.server.auth.rbac import require_read
from bosun.server.context import Ctx, CurrentUser
from bosun.server.db.memories import Memory
from bosun.server.errors import ERROR_RESPONSES, NotFoundError
from bosun.server.routes.common import AGENT_REF, IdPath, Limit, Offset, split_agent_ref

router = APIRouter(prefix="/api/memories", tags=["memories"], responses=ERROR_RESPONSES)

MAX_DIMENSIONS = 8192
Component = Annotated[float, Field(allow_inf_nan=False, ge=-3.0e38, le=3.0e38)]  # float32
NoNul = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
AgentRef = Field(pattern=AGENT_REF, max_length=317, description="namespace/name of the Agent")


class MemoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = AgentRef
    content: str = Field(min_length=1, max_length=4000, pattern=NoNul)
    embedding: list[Component] = Field(min_length=1, max_length=MAX_DIMENSIONS)
    ttl_days: int | None = Field(default=None, ge=1, le=36500)


class MemorySearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = AgentRef
    embedding: list[Component] = Field(min_length=1, max_length=MAX_DIMENSIONS)
    limit: int = Field(default=5, ge=1, le=50)


class MemoryList(BaseModel):
    items: list[Memory]


class Deleted(BaseModel):
    deleted: int


def _agent(user: User, ref: str) -> tuple[str, str]:
    namespace, name = split_agent_ref(ref)
    require_read(user, namespace, f"the memories of agent {namespace}/{name}")
    return namespace, name


@router.post("", status_code=201)
async def create_memory(ctx: Ctx, user: CurrentUser, body: MemoryCreate) -> Memory:
    namespace, name = _agent(user, body.agent)
    return await ctx.repos.memories.add(
        namespace,
        name,
        user.id,
        content=body.content,
        embedding=body.embedding,
        ttl_days=body.ttl_days,
    )


@router.post("/search")
async def search_memories(ctx: Ctx, user: CurrentUser, body: MemorySearch) -> MemoryList:
    namespace, name = _agent(user, body.agent)
    found = await ctx.repos.memories.search(namespace, name, user.id, body.embedding, body.limit)
    return MemoryList(items=found)


@router.get("")
async def list_memories(
    ctx: Ctx,
    user: CurrentUser,
    agent: str | None = Query(default=None, pattern=AGENT_REF, max_length=317),
    limit: Limit = 100,
    offset: Offset = 0,
) -> MemoryList:
    """The caller's memories, newest first (of one agent with `agent=ns/name`)."""
    namespace, name = _agent(user, agent) if agent else (None, None)
    items = await ctx.repos.memories.list(namespace, name, user.id, limit=limit, offset=offset)
    return MemoryList(items=items)


@router.delete("/{memory_id}", status_code=204)
async def delete_memory(ctx: Ctx, user: CurrentUser, memory_id: IdPath) -> Response:
    if not await ctx.repos.memories.delete(user.id, memory_id):
        raise NotFoundError(f"memory {memory_id!r} not found")
    return Response(status_code=204)


@router.delete("")
async def delete_memories(
    ctx: Ctx, user: CurrentUser, agent: str = Query(pattern=AGENT_REF, max_length=317)
) -> Deleted:
    """Forget everything the agent remembers of the caller."""
    namespace, name = _agent(user, agent)
    return Deleted(deleted=await ctx.repos.memories.delete_all(namespace, name, user.id))
