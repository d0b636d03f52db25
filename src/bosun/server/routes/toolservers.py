"""/api/toolservers: CRUD for RemoteMCPServer and MCPServer; /api/tools: discovered tools.

A tool server is named by namespace and name; `kind` (query) picks one when both kinds
share a name. Discovered tools come from the database mirror of each server's
status.discoveredTools (sync.py), with the server they belong to.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.store import StoredObject
from bosun.server import objects
from bosun.server.audit import authorize_change, changed
from bosun.server.auth.rbac import readable, require_read
from bosun.server.context import Context, Ctx, CurrentUser
from bosun.server.db.records import Tool
from bosun.server.errors import ERROR_RESPONSES, ConflictError, InvalidInput, NotFoundError
from bosun.server.routes.common import Items, NamePath, NamespacePath

router = APIRouter(tags=["toolservers"], responses=ERROR_RESPONSES)

ServerKind = Literal["RemoteMCPServer", "MCPServer"]
KINDS: dict[str, type[RemoteMCPServer] | type[MCPServer]] = {
    "RemoteMCPServer": RemoteMCPServer,
    "MCPServer": MCPServer,
}
ServerBody = Annotated[
    dict[str, Any],
    Body(description="A RemoteMCPServer (kagent.dev/v1alpha2) or MCPServer (v1alpha1)."),
]


def _parse(body: dict[str, Any]) -> RemoteMCPServer | MCPServer:
    kind = body.get("kind")
    if kind not in KINDS:
        raise InvalidInput("must be RemoteMCPServer or MCPServer", "kind")
    return objects.parse_resource(body, KINDS[str(kind)])  # type: ignore[return-value]


async def _find(ctx: Context, namespace: str, name: str, kind: str | None) -> StoredObject:
    if kind is not None:
        return await objects.get(ctx, kind, namespace, name)
    found = []
    for candidate in KINDS:
        try:
            found.append(await objects.get(ctx, candidate, namespace, name))
        except NotFoundError:
            continue
    if not found:
        raise NotFoundError(f"no tool server {namespace}/{name}")
    if len(found) > 1:
        raise ConflictError(
            f"both a RemoteMCPServer and an MCPServer are named {namespace}/{name}: "
            "say which with ?kind=",
            "kind",
        )
    return found[0]


@router.get("/api/toolservers")
async def list_toolservers(
    ctx: Ctx,
    user: CurrentUser,
    namespace: str | None = Query(default=None, max_length=63),
    kind: ServerKind | None = None,
) -> Items:
    items: list[dict[str, Any]] = []
    for candidate in KINDS:
        if kind is None or kind == candidate:
            found = await ctx.store.list(candidate, namespace)
            allowed = set(readable(user, {o.namespace for o in found}))
            items += [objects.public(o) for o in found if o.namespace in allowed]
    items.sort(key=lambda o: (o["metadata"].get("namespace"), o["metadata"]["name"], o["kind"]))
    return Items(items=items)


@router.get("/api/toolservers/{namespace}/{name}")
async def get_toolserver(
    ctx: Ctx,
    user: CurrentUser,
    namespace: NamespacePath,
    name: NamePath,
    kind: ServerKind | None = None,
) -> dict[str, Any]:
    require_read(user, namespace, f"tool server {namespace}/{name}")
    return objects.public(await _find(ctx, namespace, name, kind))


@router.post("/api/toolservers", status_code=201)
async def create_toolserver(ctx: Ctx, user: CurrentUser, body: ServerBody) -> dict[str, Any]:
    server = _parse(body)
    authorize_change(ctx, user, "create", server.kind, server.namespace, server.name)
    created = await objects.create(ctx, server)
    changed(ctx, user, "create", server.kind, server.namespace, server.name)
    return objects.public(created)


@router.put("/api/toolservers/{namespace}/{name}")
async def update_toolserver(
    ctx: Ctx, user: CurrentUser, namespace: NamespacePath, name: NamePath, body: ServerBody
) -> dict[str, Any]:
    server = _parse(body)
    authorize_change(ctx, user, "update", server.kind, namespace, name)
    replaced = await objects.replace(ctx, server, namespace, name)
    changed(ctx, user, "update", server.kind, namespace, name)
    return objects.public(replaced)


@router.delete("/api/toolservers/{namespace}/{name}", status_code=204)
async def delete_toolserver(
    ctx: Ctx,
    user: CurrentUser,
    namespace: NamespacePath,
    name: NamePath,
    kind: ServerKind | None = None,
) -> Response:
    authorize_change(ctx, user, "delete", kind or "tool server", namespace, name)
    found = await _find(ctx, namespace, name, kind)
    await objects.delete(ctx, found.kind, namespace, name)
    changed(ctx, user, "delete", found.kind, namespace, name)
    return Response(status_code=204)


@router.get("/api/tools", tags=["tools"])
async def list_tools(
    ctx: Ctx,
    user: CurrentUser,
    namespace: str | None = Query(default=None, max_length=63),
    server: str | None = Query(default=None, max_length=253),
) -> list[Tool]:
    """Tools discovered on tool servers, with their description and server."""
    tools = await ctx.repos.toolservers.tools(namespace=namespace, server=server)
    return [t for t in tools if user.grants.can_read(t.server_namespace)]
