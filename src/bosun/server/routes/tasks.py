"""/api/tasks: A2A tasks as JSON (the runtime's task store, DESIGN.md §3).

POST takes either a bare A2A Task (v1.0 or v0.3 JSON: `id`, `contextId`, `status.state`
...) or the runtime's envelope `{"id", "context_id", "agent_ref", "state", "task": {...}}`,
and creates or updates it; the contextId is the session. Tasks belong to the session's
user: a trusted writer (an agent) saving a task of a known session saves it for that
session's owner. Another user's task is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from bosun.server.context import Ctx, CurrentUser
from bosun.server.db.records import Task
from bosun.server.db.sessions import UNOWNED
from bosun.server.errors import ERROR_RESPONSES, InvalidInput
from bosun.server.routes.common import AGENT_REF, IdPath, Limit, Offset, split_agent_ref

router = APIRouter(prefix="/api/tasks", tags=["tasks"], responses=ERROR_RESPONSES)

MAX_TASK_BYTES = 8_000_000


class TaskSave(BaseModel):
    """An A2A Task, or the envelope {id, context_id, agent_ref, state, task}."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(min_length=1, max_length=255)
    context_id: str | None = Field(
        default=None, validation_alias=AliasChoices("context_id", "contextId"), max_length=255
    )
    agent_ref: str | None = Field(default=None, max_length=320, pattern=AGENT_REF)
    state: str | None = Field(default=None, max_length=64)
    task: dict[str, Any] | None = Field(default=None, description="The A2A Task JSON")
    status: dict[str, Any] | None = None


def _task_json(body: TaskSave) -> dict[str, Any]:
    if body.task is not None:
        return body.task
    data = body.model_dump(mode="json", exclude_none=True)
    data.pop("agent_ref", None)
    data.pop("state", None)
    if "context_id" in data:
        data["contextId"] = data.pop("context_id")
    return data


@router.post("", status_code=201, responses={200: {"model": Task}})
async def save_task(ctx: Ctx, user: CurrentUser, body: TaskSave, response: Response) -> Task:
    """Create (201) or update (200) a task."""
    data = _task_json(body)
    if len(repr(data)) > MAX_TASK_BYTES:
        raise InvalidInput("task JSON is larger than 8 MB", "task")
    context = body.context_id or data.get("contextId")
    context = str(context)[:255] if context else None
    state = body.state or (data.get("status") or {}).get("state")
    namespace, name = split_agent_ref(body.agent_ref) if body.agent_ref else (None, None)
    owner = user.id
    if user.trusted:
        # An agent saves the task of the user it serves: the session's owner. A session
        # the proxy claimed is known before it is written; one unknown yet leaves the task
        # unowned until the user's own record adopts it.
        known = context and (
            ctx.writer.pending_owner(context) or await ctx.repos.sessions.owner(context)
        )
        owner = known or (UNOWNED if user.kind == "agent" else user.id)
    saved, created = await ctx.repos.tasks.upsert(
        owner,
        body.id,
        session_id=context,
        agent_namespace=namespace,
        agent_name=name,
        state=str(state)[:64] if state is not None else None,
        data=data,
        scope=user.scope,
    )
    response.status_code = 201 if created else 200
    return saved


@router.get("")
async def list_tasks(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str | None = Query(
        default=None, max_length=255, alias="context_id", description="The session (contextId)"
    ),
    agent_ref: str | None = Query(default=None, max_length=320, description="namespace/name"),
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Task]:
    namespace, name = split_agent_ref(agent_ref) if agent_ref else (None, None)
    return await ctx.repos.tasks.list(
        user.scope,
        session_id=session_id,
        agent_namespace=namespace,
        agent_name=name,
        limit=limit,
        offset=offset,
    )


@router.get("/{task_id}")
async def get_task(ctx: Ctx, user: CurrentUser, task_id: IdPath) -> Task:
    return await ctx.repos.tasks.get(user.scope, task_id)


@router.delete("/{task_id}", status_code=204)
async def delete_task(ctx: Ctx, user: CurrentUser, task_id: IdPath) -> Response:
    await ctx.repos.tasks.delete(user.scope, task_id)
    return Response(status_code=204)
