"""/api/audit: the audit log (audit.py), newest first, filtered; admins only.

Records say who did what to which agent or resource, with what outcome and how many
tokens; never a secret, and no prompt or tool content unless BOSUN_AUDIT_BODIES is on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query

from bosun.server.auth.rbac import require_admin
from bosun.server.context import Ctx, CurrentUser
from bosun.server.db.audit import AuditRecord
from bosun.server.errors import ERROR_RESPONSES, InvalidInput
from bosun.server.routes.common import AGENT_REF, Limit, Offset, split_agent_ref

router = APIRouter(prefix="/api/audit", tags=["audit"], responses=ERROR_RESPONSES)

Kind = Literal["llm", "tool", "a2a", "approval", "resource"]


@router.get("")
async def list_audit(
    ctx: Ctx,
    user: CurrentUser,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: Kind | None = None,
    agent: str | None = Query(default=None, max_length=317, pattern=AGENT_REF),
    namespace: str | None = Query(default=None, max_length=63),
    user_id: str | None = Query(default=None, alias="user", max_length=255),
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AuditRecord]:
    """Audit records in [since, until), newest first. `agent` is ns/name (or name in
    namespace default); `user` the user id."""
    require_admin(user, "the audit log")
    for field, moment in (("query.since", since), ("query.until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("must carry a time zone (e.g. 2026-01-01T00:00:00Z)", field)
    agent_ns, agent_name = split_agent_ref(agent) if agent else (None, None)
    if agent_ns is not None and namespace is not None and agent_ns != namespace:
        raise InvalidInput("names another namespace than query.namespace", "query.agent")
    return await ctx.repos.audit.query(
        since=since,
        until=until,
        kind=kind,
        user_id=user_id,
        namespace=agent_ns or namespace,
        agent=agent_name,
        limit=limit,
        offset=offset,
    )
