"""/api/usage: token usage per turn (written by the runtime) and totals over a time range.

Totals group by any of namespace, agent, user, model, and per hour or UTC day with
`bucket` (the UI's chart over time). Admins (and everyone in auth mode
none) see all users; others see their own usage only.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bosun.server.context import Ctx, CurrentUser
from bosun.server.db.records import Usage, UsageGroup
from bosun.server.db.usage import Bucket, GroupKey
from bosun.server.errors import ERROR_RESPONSES, InvalidInput
from bosun.server.routes.common import split_agent_ref

router = APIRouter(prefix="/api/usage", tags=["usage"], responses=ERROR_RESPONSES)


class UsageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = Field(
        max_length=320,
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
        description="namespace/name of the agent that used the tokens",
    )
    input_tokens: int = Field(ge=0, le=2**40)
    output_tokens: int = Field(ge=0, le=2**40)
    model: str | None = Field(default=None, max_length=256)
    session_id: str | None = Field(default=None, max_length=255)
    task_id: str | None = Field(default=None, max_length=255)


class UsageSummary(BaseModel):
    since: datetime | None
    until: datetime | None
    group_by: list[GroupKey]
    bucket: Bucket | None = None
    groups: list[UsageGroup]


@router.post("", status_code=201)
async def record_usage(ctx: Ctx, user: CurrentUser, body: UsageCreate) -> Usage:
    namespace, name = split_agent_ref(body.agent)
    return await ctx.repos.usage.record(
        agent_namespace=namespace,
        agent_name=name,
        user_id=user.id,
        input_tokens=body.input_tokens,
        output_tokens=body.output_tokens,
        model=body.model,
        session_id=body.session_id,
        task_id=body.task_id,
    )


@router.get("")
async def usage_summary(
    ctx: Ctx,
    user: CurrentUser,
    since: AwareDatetime | None = Query(default=None, description="ISO 8601 with zone"),
    until: AwareDatetime | None = Query(default=None),
    group_by: list[GroupKey] = Query(default=["agent"]),
    namespace: str | None = Query(default=None, max_length=63),
    agent: str | None = Query(default=None, max_length=253, description="agent name"),
    user_id: str | None = Query(default=None, max_length=255),
    bucket: Bucket | None = Query(
        default=None, description="also group per hour or UTC day (each group's `bucket`)"
    ),
) -> UsageSummary:
    if since is not None and until is not None and since >= until:
        raise InvalidInput("must be before until", "query.since")
    if not user.admin:
        if user_id is not None and user_id != user.id:
            raise InvalidInput("you can see your own usage only", "query.user_id")
        user_id = user.id
    keys = list(dict.fromkeys(group_by))
    groups = await ctx.repos.usage.summary(
        group_by=keys,
        since=since,
        until=until,
        namespace=namespace,
        agent=agent,
        user_id=user_id,
        bucket=bucket,
    )
    return UsageSummary(since=since, until=until, group_by=keys, bucket=bucket, groups=groups)
