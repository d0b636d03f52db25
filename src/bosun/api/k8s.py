"""Kubernetes core types that Bosun resources embed.

EnvVar is modelled in full (valueFrom included: KMCP's plain map was a limitation users
hit). Types Bosun only passes through to a Deployment (volumes, affinity, resources ...)
are plain dicts marked to keep unknown fields; the API server validates them when the
Deployment is created.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from bosun.api.base import PRESERVE_UNKNOWN, WireModel

KubeObject = Annotated[dict[str, Any], Field(json_schema_extra=PRESERVE_UNKNOWN)]
"""An embedded core/v1 object we do not re-model (schema: object, unknown fields kept)."""


class KeySelector(WireModel):
    name: str = Field(min_length=1)
    key: str = Field(min_length=1)
    optional: bool | None = None


class ObjectFieldSelector(WireModel):
    field_path: str
    api_version: str | None = None


class ResourceFieldSelector(WireModel):
    resource: str
    container_name: str | None = None
    divisor: str | None = None


class EnvVarSource(WireModel):
    secret_key_ref: KeySelector | None = None
    config_map_key_ref: KeySelector | None = None
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None


class EnvVar(WireModel):
    name: str = Field(min_length=1)
    value: str | None = None
    value_from: EnvVarSource | None = None

    @model_validator(mode="after")
    def _value_xor_value_from(self) -> EnvVar:
        if self.value is not None and self.value_from is not None:
            raise ValueError(f"env {self.name}: value and valueFrom are mutually exclusive")
        return self


class LocalObjectReference(WireModel):
    name: str = Field(min_length=1)


class LabelSelector(WireModel):
    match_labels: dict[str, str] | None = None
    match_expressions: list[KubeObject] | None = None


class PolicyRule(WireModel):
    """rbac/v1 PolicyRule: what a Role generated for an MCPServer may do."""

    api_groups: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    verbs: list[str] = Field(min_length=1)
    resource_names: list[str] | None = None
    non_resource_urls: list[str] | None = Field(default=None, alias="nonResourceURLs")


PullPolicy = Literal["Always", "IfNotPresent", "Never"]


class AllowedNamespaces(WireModel):
    """Who may reference this object from another namespace (Gateway API style)."""

    from_: Literal["All", "Same", "Selector"] = Field(default="Same", alias="from")
    selector: LabelSelector | None = None
