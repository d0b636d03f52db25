"""/api/me: who the caller is, as the control plane sees it.

The web UI calls it at start: to know whether it must ask for a token (auth mode token or
oidc, answered 401 without one), and to show who is logged in and whether they are an
admin (admins see everyone's usage). Nothing secret is returned: never the token.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from bosun.server.context import Ctx, CurrentUser
from bosun.server.errors import ERROR_RESPONSES
from bosun.server.settings import AuthMode

router = APIRouter(prefix="/api/me", tags=["auth"], responses=ERROR_RESPONSES)


class Me(BaseModel):
    user: str = Field(description="the user id that owns the caller's sessions and tasks")
    kind: Literal["user", "agent"]
    groups: list[str]
    admin: bool = Field(description="sees every user's usage")
    roles: list[str] = Field(
        default_factory=list,
        description="admin, editor:<namespace> or viewer:<namespace> (* = every namespace)",
    )
    auth: AuthMode = Field(description="the server's auth mode")


@router.get("")
async def me(ctx: Ctx, user: CurrentUser) -> Me:
    return Me(
        user=user.id,
        kind=user.kind,
        groups=list(user.groups),
        admin=user.admin,
        roles=user.grants.roles(),
        auth=ctx.settings.auth,
    )
