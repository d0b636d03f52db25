"""What every route needs, built once at start by app.py: settings, repositories, the
ResourceStore, authentication, how to reach an agent, and a shared HTTP client.

Routes get it with `Depends(get_context)` and the caller with `Depends(current_user)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from fastapi import Depends, Request

from bosun.api.store import ResourceStore, StoredObject
from bosun.server.auth import Auth, User
from bosun.server.db import Database, Repositories
from bosun.server.errors import Unavailable
from bosun.server.settings import Settings

if TYPE_CHECKING:
    from bosun.server.audit import Auditor
    from bosun.server.record_writer import RecordWriter
    from bosun.server.sync import StoreMirror

Endpoint = Callable[[StoredObject], str]
"""Where an agent serves A2A: its base URL (the agent card is under it)."""


def default_endpoint(port: int = 8080) -> Endpoint:
    """status.url when the one who runs the agent recorded it, else the cluster Service."""

    def endpoint(agent: StoredObject) -> str:
        url = (agent.body.get("status") or {}).get("url")
        if isinstance(url, str) and url:
            return url.rstrip("/")
        return f"http://{agent.name}.{agent.namespace}:{port}"

    return endpoint


@dataclass
class Context:
    settings: Settings
    db: Database
    repos: Repositories
    store: ResourceStore
    auth: Auth
    endpoint: Endpoint
    http: httpx.AsyncClient
    http_streams: httpx.AsyncClient  # for SSE: see app.proxy_client
    writer: RecordWriter = None  # type: ignore[assignment]  # set by app.py at start
    mirror: StoreMirror | None = None
    audit: Auditor = None  # type: ignore[assignment]  # set by app.py at start (audit.py)

    async def namespaces(self) -> list[str]:
        lister: Any = getattr(self.store, "list_namespaces", None)
        if lister is not None:
            return list(await lister())
        return ["default"]


def get_context(request: Request) -> Context:
    ctx: Context | None = getattr(request.app.state, "ctx", None)
    if ctx is None:
        raise Unavailable("the control plane is starting")
    return ctx


async def current_user(request: Request, ctx: Annotated[Context, Depends(get_context)]) -> User:
    user = await ctx.auth.current_user(request)
    request.state.user = user
    return user


Ctx = Annotated[Context, Depends(get_context)]
CurrentUser = Annotated[User, Depends(current_user)]
