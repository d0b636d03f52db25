"""/api/feedback: the caller's thumbs up/down on answers, with text and an issue type."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from bosun.server.context import Ctx, CurrentUser
from bosun.server.db.records import Feedback
from bosun.server.errors import ERROR_RESPONSES
from bosun.server.routes.common import Limit, Offset

router = APIRouter(prefix="/api/feedback", tags=["feedback"], responses=ERROR_RESPONSES)


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    is_positive: bool
    feedback_text: str = Field(default="", max_length=10_000)
    issue_type: str | None = Field(
        default=None, max_length=64, description="e.g. instructions, factual, incomplete, other"
    )
    session_id: str | None = Field(default=None, max_length=255)
    message_id: str | None = Field(default=None, max_length=255)


@router.post("", status_code=201)
async def create_feedback(ctx: Ctx, user: CurrentUser, body: FeedbackCreate) -> Feedback:
    if body.session_id is not None:
        await ctx.repos.sessions.get(user.scope, body.session_id)  # only on your own sessions
    return await ctx.repos.feedback.create(
        user.id,
        is_positive=body.is_positive,
        text=body.feedback_text,
        issue_type=body.issue_type,
        session_id=body.session_id,
        message_id=body.message_id,
    )


@router.get("")
async def list_feedback(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str | None = Query(default=None, max_length=255),
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Feedback]:
    return await ctx.repos.feedback.list(user.id, session_id=session_id, limit=limit, offset=offset)
