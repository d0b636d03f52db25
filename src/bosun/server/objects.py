"""The service layer for resources: validate with the translator, write through the store.

Routes (agents, modelconfigs, toolservers, resources) call these functions; they raise the
coded errors of errors.py. Validation is the controller's own translator run on the
references gathered from the store, so the API rejects exactly what the controller would
mark as not Accepted, with the same field path and message.

Objects leave through `public()`: Secrets lose their values there (only key names stay).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from bosun.api.agent import Agent
from bosun.api.base import DNS1123_LABEL, DNS1123_SUBDOMAIN
from bosun.api.manifests import CORE_KINDS, RESOURCE_KINDS, AnyResource, problems_from_validation
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.api.store import NotFound, StoredObject
from bosun.api.v1alpha1_convert import to_v1alpha2
from bosun.controller.translate import (
    TranslateOptions,
    TranslationError,
    TranslationFailed,
    translate_agent,
    translate_mcpserver,
)
from bosun.controller.translate.model import check_model_config
from bosun.controller.translate.tools import check_remote_server
from bosun.server.context import Context
from bosun.server.errors import AlreadyExists, FieldProblem, InvalidInput, NotFoundError
from bosun.server.references import gather_references

_SERVER_META = ("uid", "generation", "creationTimestamp", "managedFields", "deletionTimestamp")


def public(obj: StoredObject) -> dict[str, Any]:
    """The object as a client may see it (Secret values removed)."""
    body = dict(obj.body)
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k != "managedFields"}
    body["metadata"] = meta
    if obj.kind == "Secret":
        keys = sorted({*(body.pop("data", None) or {}), *(body.pop("stringData", None) or {})})
        body["keys"] = keys
    return body


def _failed(errors: list[TranslationError], prefix: str = "") -> InvalidInput:
    problems = [FieldProblem(prefix + e.path if e.path else None, e.message) for e in errors]
    first = problems[0]
    return InvalidInput(first.message, first.field, problems=problems)


def _options() -> TranslateOptions:
    return TranslateOptions()


async def validate(ctx: Context, resource: AnyResource) -> None:
    """Raise InvalidInput if the controller would not accept this resource."""
    refs = await gather_references(ctx.store, resource)
    try:
        if isinstance(resource, Agent):
            translate_agent(resource, refs, _options())
        elif isinstance(resource, MCPServer):
            translate_mcpserver(resource, refs, _options())
        elif isinstance(resource, ModelConfig):
            errors = check_model_config(resource, refs)
            if errors:
                raise TranslationFailed(errors)
        elif isinstance(resource, RemoteMCPServer):
            errors = check_remote_server(resource, refs)
            if errors:
                raise TranslationFailed(errors)
    except TranslationFailed as failed:
        raise _failed(failed.errors) from None


def desired_body(resource: AnyResource) -> dict[str, Any]:
    """What is written: the resource without status and server-set metadata."""
    body = resource.to_wire()
    body.pop("status", None)
    meta = body.get("metadata") or {}
    body["metadata"] = {k: v for k, v in meta.items() if k not in _SERVER_META}
    return body


async def exists(ctx: Context, kind: str, namespace: str, name: str) -> bool:
    try:
        await ctx.store.get(kind, namespace, name)
    except NotFound:
        return False
    return True


async def create(ctx: Context, resource: AnyResource) -> StoredObject:
    if await exists(ctx, resource.kind, resource.namespace, resource.name):
        raise AlreadyExists(
            f"{resource.kind} {resource.namespace}/{resource.name} already exists",
            "metadata.name",
        )
    await validate(ctx, resource)
    return await ctx.store.apply(desired_body(resource))


def check_path(resource: AnyResource, namespace: str, name: str) -> None:
    if resource.name != name:
        raise InvalidInput(f"must equal the name in the URL ({name!r})", "metadata.name")
    if resource.namespace != namespace:
        raise InvalidInput(
            f"must equal the namespace in the URL ({namespace!r})", "metadata.namespace"
        )


async def replace(ctx: Context, resource: AnyResource, namespace: str, name: str) -> StoredObject:
    check_path(resource, namespace, name)
    await get(ctx, resource.kind, namespace, name)
    await validate(ctx, resource)
    return await ctx.store.apply(desired_body(resource))


async def get(ctx: Context, kind: str, namespace: str, name: str) -> StoredObject:
    try:
        return await ctx.store.get(kind, namespace, name)
    except NotFound:
        raise NotFoundError(f"{kind} {namespace}/{name} not found") from None


async def delete(ctx: Context, kind: str, namespace: str, name: str) -> None:
    try:
        await ctx.store.delete(kind, namespace, name)
    except NotFound:
        raise NotFoundError(f"{kind} {namespace}/{name} not found") from None


def parse_resource(body: Any, cls: type[BaseModel] | None = None) -> AnyResource:
    """A typed resource from a JSON body, with every problem named by field."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    try:
        body = to_v1alpha2(body)  # a kagent.dev/v1alpha1 Agent or ModelConfig, converted
    except ValueError as exc:
        raise InvalidInput(str(exc), "spec") from None
    kind = body.get("kind")
    target = cls or RESOURCE_KINDS.get(str(kind))
    if target is None:
        served = ", ".join(sorted([*RESOURCE_KINDS, *CORE_KINDS]))
        raise InvalidInput(f"kind {kind!r} is not served (served: {served})", "kind")
    try:
        return target.model_validate(body)  # type: ignore[return-value]
    except ValidationError as exc:
        problems = [FieldProblem(p.path or None, p.message) for p in problems_from_validation(exc)]
        raise InvalidInput(problems[0].message, problems[0].field, problems=problems) from None


def parse_core(body: dict[str, Any]) -> dict[str, Any]:
    """A Secret or ConfigMap body, checked the way the Kubernetes API would."""
    kind = body.get("kind")
    if body.get("apiVersion") != "v1":
        raise InvalidInput(f"{kind} is served as apiVersion v1", "apiVersion")
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        raise InvalidInput("required field is missing", "metadata")
    name, namespace = meta.get("name"), meta.get("namespace", "default")
    if not isinstance(name, str) or not re.match(DNS1123_SUBDOMAIN, name) or len(name) > 253:
        raise InvalidInput("must be a DNS-1123 subdomain", "metadata.name")
    if not isinstance(namespace, str) or not re.match(DNS1123_LABEL, namespace):
        raise InvalidInput("must be a DNS-1123 label", "metadata.namespace")
    allowed = {"apiVersion", "kind", "metadata", "data", "immutable"}
    if kind == "Secret":
        allowed |= {"stringData", "type"}
    for key in body:
        if key not in allowed:
            raise InvalidInput("unknown field", key)
    for field in ("data", "stringData"):
        values = body.get(field)
        if values is None:
            continue
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            raise InvalidInput("must map keys to strings", field)
        if kind == "Secret" and field == "data":
            for key, value in values.items():
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    raise InvalidInput("not valid base64", f"data.{key}") from None
    meta = {k: v for k, v in meta.items() if k not in _SERVER_META}
    return {**body, "metadata": {**meta, "namespace": namespace}}
