"""/api/sessions: the caller's conversations (id = A2A contextId) and their events.

Written by the UI (create, rename, delete), by the A2A proxy (which records each new
contextId it sees) and by the agent runtime (events; it acts for the user named in
X-Bosun-User). Another user's session is 404.

Push-notification configs the agent keeps as session events (`kind: push_configs`,
runtime/push.py) carry their webhook token and credentials sealed by the agent; a
`token` or `authentication.credentials` in clear there (written by an agent from before
that) is dropped on write and left out of every answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from bosun.server.context import Ctx, CurrentUser
from bosun.server.db.records import Event, Session, SessionWithEvents, Task
from bosun.server.db.sessions import UNOWNED
from bosun.server.errors import ERROR_RESPONSES, Forbidden, InvalidInput
from bosun.server.routes.common import AGENT_REF, IdPath, Limit, Offset, split_agent_ref

router = APIRouter(prefix="/api/sessions", tags=["sessions"], responses=ERROR_RESPONSES)
PUSH_CONFIGS = "push_configs"  # runtime/push.py EVENT_KIND


def _without_push_secrets(data: dict[str, Any]) -> dict[str, Any]:
    """The event's data with no webhook token or credentials in clear."""
    if data.get("kind") != PUSH_CONFIGS or not isinstance(data.get("configs"), list):
        return data
    configs = []
    for config in data["configs"]:
        if isinstance(config, dict):
            config = {k: v for k, v in config.items() if k != "token"}
            auth = config.get("authentication")
            if isinstance(auth, dict):
                config["authentication"] = {k: v for k, v in auth.items() if k != "credentials"}
        configs.append(config)
    return {**data, "configs": configs}


def _shown(events: list[Event]) -> list[Event]:
    return [
        e if e.data.get("kind") != PUSH_CONFIGS else e.model_copy(
            update={"data": _without_push_secrets(e.data)}
        )
        for e in events
    ]  # fmt: skip


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str | None = Field(default=None, min_length=1, max_length=255, description="contextId")
    agent: str | None = Field(
        default=None,
        validation_alias=AliasChoices("agent", "agent_ref"),
        max_length=320,
        pattern=AGENT_REF,
        description="The agent as namespace/name (or name, in namespace default). "
        "Also accepted as agent_ref.",
    )
    name: str | None = Field(default=None, max_length=1024)
    user_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Owner, for agents persisting for the user they serve (ignored when it "
        "is the caller).",
    )


class SessionRename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=1024)


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(
        default=None, min_length=1, max_length=255, description="Makes the append idempotent."
    )
    type: str = Field(default="", max_length=128)
    data: dict[str, Any]


@router.get("")
async def list_sessions(
    ctx: Ctx,
    user: CurrentUser,
    agent: str | None = Query(default=None, max_length=320, description="namespace/name"),
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Session]:
    namespace, name = split_agent_ref(agent) if agent else (None, None)
    return await ctx.repos.sessions.list(
        user.scope, agent_namespace=namespace, agent_name=name, limit=limit, offset=offset
    )


@router.post("", status_code=201, responses={200: {"model": Session}})
async def create_session(
    ctx: Ctx, user: CurrentUser, body: SessionCreate, response: Response
) -> Session:
    """Create a session; with the id of one of yours that exists, return it (200)."""
    namespace, name = split_agent_ref(body.agent) if body.agent else (None, None)
    owner = user.id
    if body.user_id is not None and body.user_id != user.id:
        if not user.trusted:
            raise Forbidden("you can create sessions for yourself only", "user_id")
        owner = body.user_id
    elif user.kind == "agent" and user.trusted and body.id:
        # An agent that does not say for whom: whoever claimed it (proxy), else unowned.
        owner = ctx.writer.pending_owner(body.id) or UNOWNED
    session, created = await ctx.repos.sessions.create(
        owner,
        session_id=body.id,
        agent_namespace=namespace,
        agent_name=name,
        name=body.name,
        scope=user.scope,
    )
    if not created:
        response.status_code = 200
    return session


@router.get("/{session_id}")
async def get_session(
    ctx: Ctx, user: CurrentUser, session_id: IdPath, limit: Limit = 1000
) -> SessionWithEvents:
    """The session with its first `limit` events in order."""
    session = await ctx.repos.sessions.get(user.scope, session_id)
    events = await ctx.repos.sessions.events(user.scope, session_id, limit=limit)
    return SessionWithEvents(**session.model_dump(), events=_shown(events))


@router.patch("/{session_id}")
async def rename_session(
    ctx: Ctx, user: CurrentUser, session_id: IdPath, body: SessionRename
) -> Session:
    return await ctx.repos.sessions.rename(user.scope, session_id, body.name)


@router.delete("/{session_id}", status_code=204)
async def delete_session(ctx: Ctx, user: CurrentUser, session_id: IdPath) -> Response:
    await ctx.repos.sessions.delete(user.scope, session_id)
    return Response(status_code=204)


@router.get("/{session_id}/events")
async def list_events(
    ctx: Ctx,
    user: CurrentUser,
    session_id: IdPath,
    after: int = Query(default=0, ge=0, le=2**31, description="Only events with seq > after"),
    limit: Limit = 1000,
) -> list[Event]:
    events = await ctx.repos.sessions.events(user.scope, session_id, after=after, limit=limit)
    return _shown(events)


@router.post("/{session_id}/events", status_code=201, responses={200: {"model": Event}})
async def add_event(
    ctx: Ctx, user: CurrentUser, session_id: IdPath, body: EventCreate, response: Response
) -> Event:
    """Append an event (seq is assigned in order). A repeated id returns the first (200)."""
    if len(repr(body.data)) > 4_000_000:
        raise InvalidInput("event data is larger than 4 MB", "data")
    data = _without_push_secrets(body.data)
    event, created = await ctx.repos.sessions.add_event(
        user.scope, session_id, data, type=body.type, event_id=body.id
    )
    if not created:
        response.status_code = 200
    return _shown([event])[0]


@router.get("/{session_id}/tasks")
async def list_session_tasks(
    ctx: Ctx, user: CurrentUser, session_id: IdPath, limit: Limit = 100, offset: Offset = 0
) -> list[Task]:
    await ctx.repos.sessions.get(user.scope, session_id)  # 404 for someone else's
    return await ctx.repos.tasks.list(user.scope, session_id=session_id, limit=limit, offset=offset)
