"""kagent.dev/v1alpha1 Agent, ModelConfig and Tool: the earlier API of the public write-ups.

Read, never run as such: `bosun.api.v1alpha1_convert` turns an Agent and a ModelConfig of
this version into their v1alpha2 form when manifests are read (bosun.api.manifests), and
reports each field it could not carry over. `Tool` has no v1alpha2 counterpart; it stays a
kind of its own that says which built-in tool it stands for (docs/v1alpha1.md).

Unknown spec fields are kept (`extra="allow"`) rather than refused, so the conversion can
name them as "not carried over" instead of failing the whole document.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from bosun.api.agent import Name, Namespace
from bosun.api.base import (
    KindInfo,
    PrinterColumn,
    Resource,
    ResourceStatus,
    WireModel,
    status_columns,
)

VERSION = "v1alpha1"
CONVERTED_FROM = "bosun.dev/converted-from"
"""Annotation on a converted object: the apiVersion it was written in."""
NOT_CARRIED_OVER = "bosun.dev/not-carried-over"
"""Annotation on a converted object: the fields it lost, '; '-separated."""


class LegacyModel(WireModel):
    """A v1alpha1 part: known fields typed, unknown ones kept to be reported."""

    model_config = ConfigDict(
        alias_generator=WireModel.model_config.get("alias_generator"),
        populate_by_name=True,
        extra="allow",
    )


class ObjectRef(LegacyModel):
    name: Name
    namespace: Namespace | None = None


class AgentSpecV1(LegacyModel):
    description: str = ""
    system_message: str | None = Field(default=None, description="The system prompt.")
    config_ref: ObjectRef | None = Field(
        default=None, alias="modelConfigRef", description="The ModelConfig, by name."
    )
    tools: list[ObjectRef] = Field(default_factory=list, description="Tools, by name.")


class AgentV1Alpha1(Resource[AgentSpecV1, ResourceStatus]):
    info = KindInfo(kind="Agent", version=VERSION, plural="agents")
    status: ResourceStatus | None = None


class SecretKeyRef(LegacyModel):
    name: Name
    key: str = Field(min_length=1)


class ModelConfigSpecV1(LegacyModel):
    model: str = Field(min_length=1)
    provider: str = "OpenAI"
    api_key_secret_ref: SecretKeyRef | None = None
    base_url: str | None = None


class ModelConfigV1Alpha1(Resource[ModelConfigSpecV1, ResourceStatus]):
    info = KindInfo(kind="ModelConfig", version=VERSION, plural="modelconfigs")
    status: ResourceStatus | None = None


ToolType = Literal["kubernetes", "http", "custom"]


class ToolParameter(WireModel):
    model_config = WireModel.model_config | {"extra": "allow"}
    type: str = "string"
    description: str = ""


class ToolSpec(WireModel):
    type: ToolType = Field(
        description="kubernetes (a tool of Bosun's built-in tool server), http or custom "
        "(accepted, but they cannot run: see the status)."
    )
    description: str = ""
    parameters: dict[str, ToolParameter] = Field(
        default_factory=dict, description="The tool's parameters, by name."
    )
    builtin: str | None = Field(
        default=None,
        description="type kubernetes: the built-in tool this stands for, when its name is "
        "not one Bosun recognises (e.g. k8s_get_resources).",
    )


class ToolStatus(ResourceStatus):
    builtin_tool: str | None = Field(default=None, description="The built-in tool it runs as.")


class Tool(Resource[ToolSpec, ToolStatus]):
    info = KindInfo(
        kind="Tool",
        version=VERSION,
        plural="tools",
        description="A tool of the kagent.dev/v1alpha1 API, used by v1alpha1 Agents by name. "
        "type kubernetes runs as the built-in tool server's matching tool.",
        printer_columns=(
            PrinterColumn("Type", ".spec.type"),
            PrinterColumn("Builtin", ".status.builtinTool"),
            *status_columns("Accepted"),
        ),
    )
    status: ToolStatus | None = None


def extra_fields(model: LegacyModel, prefix: str) -> list[str]:
    """Paths of the fields a v1alpha1 part carried that Bosun does not know."""
    out = [f"{prefix}.{name}" for name in sorted(model.model_extra or {})]
    for name, value in model:
        if isinstance(value, LegacyModel):
            out += extra_fields(value, f"{prefix}.{model_alias(model, name)}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, LegacyModel):
                    out += extra_fields(item, f"{prefix}.{model_alias(model, name)}[{i}]")
    return out


def model_alias(model: LegacyModel, name: str) -> str:
    info = type(model).model_fields.get(name)
    return (info.alias if info and info.alias else name) if info else name


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
