"""/api/modelconfigs: CRUD for ModelConfigs, optionally storing the API key as a Secret.

A body may carry `apiKey` next to the resource fields. It is written to a Secret (spec
apiKeySecret, default `<name>-api-key`; key apiKeySecretKey, default `apiKey`) owned by
the ModelConfig, so deleting one deletes the other. The key is never returned or logged.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BeforeValidator, Field, SecretStr

from bosun.api.modelconfig import ModelConfig
from bosun.api.store import StoredObject
from bosun.api.v1alpha1_convert import to_v1alpha2
from bosun.server import objects
from bosun.server.audit import authorize_change, changed
from bosun.server.auth.rbac import readable, require_read
from bosun.server.context import Context, Ctx, CurrentUser
from bosun.server.errors import ERROR_RESPONSES
from bosun.server.routes.common import Items, NamePath, NamespacePath

router = APIRouter(prefix="/api/modelconfigs", tags=["modelconfigs"], responses=ERROR_RESPONSES)

DEFAULT_SECRET_KEY = "apiKey"


class ModelConfigInput(ModelConfig):
    """A ModelConfig, plus an API key to store in its Secret (write only)."""

    api_key: SecretStr | None = Field(
        default=None,
        alias="apiKey",
        min_length=1,
        max_length=16384,
        description="Stored in the Secret named by spec.apiKeySecret; never returned.",
    )


# A kagent.dev/v1alpha1 ModelConfig is converted first (docs/v1alpha1.md).
ModelConfigBody = Annotated[ModelConfigInput, BeforeValidator(to_v1alpha2)]


def _secret_body(mc: ModelConfig, key: str, owner: StoredObject | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": mc.spec.api_key_secret,
        "namespace": mc.namespace,
        "labels": {"app.kubernetes.io/managed-by": "bosun", "bosun.dev/modelconfig": mc.name},
    }
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": ModelConfig.info.api_version,
                "kind": "ModelConfig",
                "name": mc.name,
                "uid": owner.body["metadata"].get("uid", ""),
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta,
        "type": "Opaque",
        "stringData": {mc.spec.api_key_secret_key or DEFAULT_SECRET_KEY: key},
    }


def _plain(body: ModelConfigInput) -> tuple[ModelConfig, str | None]:
    """The resource to store (pointing at the Secret when a key is given) and the key."""
    key = body.api_key.get_secret_value() if body.api_key is not None else None
    data = body.model_dump(by_alias=True, exclude_none=True, exclude={"api_key"}, mode="json")
    if key is not None:
        spec = data["spec"]
        spec.setdefault("apiKeySecret", f"{body.metadata.name}-api-key")
        spec.setdefault("apiKeySecretKey", DEFAULT_SECRET_KEY)
    return ModelConfig.model_validate(data), key


async def _write(
    ctx: Context, body: ModelConfigInput, replace: tuple[str, str] | None
) -> StoredObject:
    mc, key = _plain(body)
    if replace is not None:
        objects.check_path(mc, *replace)
        await objects.get(ctx, "ModelConfig", *replace)
    elif await objects.exists(ctx, "ModelConfig", mc.namespace, mc.name):
        await objects.create(ctx, mc)  # raises AlreadyExists
    if key is not None:
        # The Secret first, so the ModelConfig is valid the moment it appears.
        await ctx.store.apply(_secret_body(mc, key, None))
    await objects.validate(ctx, mc)
    stored = await ctx.store.apply(objects.desired_body(mc))
    if key is not None:
        await ctx.store.apply(_secret_body(mc, key, stored))
    return stored


@router.get("")
async def list_modelconfigs(
    ctx: Ctx, user: CurrentUser, namespace: str | None = Query(default=None, max_length=63)
) -> Items:
    found = await ctx.store.list("ModelConfig", namespace)
    allowed = set(readable(user, {o.namespace for o in found}))
    return Items(items=[objects.public(o) for o in found if o.namespace in allowed])


@router.get("/{namespace}/{name}")
async def get_modelconfig(
    ctx: Ctx, user: CurrentUser, namespace: NamespacePath, name: NamePath
) -> dict[str, Any]:
    require_read(user, namespace, f"ModelConfig {namespace}/{name}")
    return objects.public(await objects.get(ctx, "ModelConfig", namespace, name))


@router.post("", status_code=201)
async def create_modelconfig(ctx: Ctx, user: CurrentUser, body: ModelConfigBody) -> dict[str, Any]:
    authorize_change(ctx, user, "create", "ModelConfig", body.namespace, body.name)
    stored = await _write(ctx, body, None)
    changed(ctx, user, "create", "ModelConfig", body.namespace, body.name)
    return objects.public(stored)


@router.put("/{namespace}/{name}")
async def update_modelconfig(
    ctx: Ctx, user: CurrentUser, namespace: NamespacePath, name: NamePath, body: ModelConfigBody
) -> dict[str, Any]:
    authorize_change(ctx, user, "update", "ModelConfig", namespace, name)
    stored = await _write(ctx, body, (namespace, name))
    changed(ctx, user, "update", "ModelConfig", namespace, name)
    return objects.public(stored)


@router.delete("/{namespace}/{name}", status_code=204)
async def delete_modelconfig(
    ctx: Ctx, user: CurrentUser, namespace: NamespacePath, name: NamePath
) -> Response:
    authorize_change(ctx, user, "delete", "ModelConfig", namespace, name)
    await objects.delete(ctx, "ModelConfig", namespace, name)
    changed(ctx, user, "delete", "ModelConfig", namespace, name)
    return Response(status_code=204)
