"""/api/resources: apply, get, list and delete any served object (what `bosun apply` uses).

Serves the kagent.dev kinds and the core Secret and ConfigMap. Apply creates or updates
(validated like the per-kind routes); Secrets are stored but their values never come back:
a Secret is returned with `keys` (the names of its data keys) instead of `data`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from bosun.api.manifests import CORE_KINDS, RESOURCE_KINDS
from bosun.server import objects
from bosun.server.audit import authorize_change, changed
from bosun.server.auth.rbac import readable, require_read
from bosun.server.context import Ctx, CurrentUser
from bosun.server.errors import ERROR_RESPONSES, InvalidInput
from bosun.server.routes.common import Items, NamePath, NamespacePath

router = APIRouter(prefix="/api/resources", tags=["resources"], responses=ERROR_RESPONSES)

SERVED = (*RESOURCE_KINDS, *CORE_KINDS)


def _kind(kind: str) -> str:
    for served in SERVED:
        if kind.lower() in (
            served.lower(),
            RESOURCE_KINDS[served].info.plural
            if served in RESOURCE_KINDS
            else served.lower() + "s",
        ):
            return served
    raise InvalidInput(f"kind {kind!r} is not served (served: {', '.join(SERVED)})", "kind")


@router.post("")
async def apply_resource(
    ctx: Ctx,
    user: CurrentUser,
    response: Response,
    body: Annotated[dict[str, Any], Body(description="One object in wire form.")],
) -> dict[str, Any]:
    """Create (201) or update (200) one object. metadata.resourceVersion, when given, must
    match the stored one (else 409)."""
    kind = str(body.get("kind", ""))
    if kind in CORE_KINDS:
        desired = objects.parse_core(body)
        meta = desired["metadata"]
        namespace, name = meta["namespace"], meta["name"]
        authorize_change(ctx, user, "apply", kind, namespace, name)
        existed = await objects.exists(ctx, kind, namespace, name)
    else:
        resource = objects.parse_resource(body)
        namespace, name = resource.namespace, resource.name
        authorize_change(ctx, user, "apply", kind, namespace, name)
        existed = await objects.exists(ctx, kind, namespace, name)
        await objects.validate(ctx, resource)
        desired = objects.desired_body(resource)  # keeps metadata.resourceVersion if sent
    stored = await ctx.store.apply(desired)
    changed(ctx, user, "update" if existed else "create", kind, namespace, name)
    response.status_code = 200 if existed else 201
    return objects.public(stored)


@router.get("/{kind}")
async def list_resources(
    ctx: Ctx,
    user: CurrentUser,
    kind: str,
    namespace: str | None = Query(default=None, max_length=63),
) -> Items:
    found = await ctx.store.list(_kind(kind), namespace)
    allowed = set(readable(user, {o.namespace for o in found}))
    return Items(items=[objects.public(o) for o in found if o.namespace in allowed])


@router.get("/{kind}/{namespace}/{name}")
async def get_resource(
    ctx: Ctx, user: CurrentUser, kind: str, namespace: NamespacePath, name: NamePath
) -> dict[str, Any]:
    served = _kind(kind)
    require_read(user, namespace, f"{served} {namespace}/{name}")
    return objects.public(await objects.get(ctx, served, namespace, name))


@router.delete("/{kind}/{namespace}/{name}", status_code=204)
async def delete_resource(
    ctx: Ctx, user: CurrentUser, kind: str, namespace: NamespacePath, name: NamePath
) -> Response:
    served = _kind(kind)
    authorize_change(ctx, user, "delete", served, namespace, name)
    await objects.delete(ctx, served, namespace, name)
    changed(ctx, user, "delete", served, namespace, name)
    return Response(status_code=204)
