"""kagent.dev/v1alpha1 Agent, ModelConfig and Tool: the earlier API of the public write-ups.

Read, never run as such: `bosun.api.v1alpha1_convert` turns an Agent and a ModelConfig of
this version into their v1alpha2 form when manifests are read (bosun.api.manifests), when
the operator's cache reads a stored object that carries v1alpha1 fields, and in the REST
API; it reports each field it could not carry over. `Tool` has no v1alpha2 counterpart; it
stays a stored kind of its own (its own CRD): type kubernetes stands for a built-in tool,
type http for a generic HTTP tool (`HttpToolSpec`) that the agent runtime calls itself
(docs/v1alpha1.md).

Unknown spec fields are kept (`extra="allow"`) rather than refused, so the conversion can
name them as "not carried over" instead of failing the whole document.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bosun.api.agent import Name, Namespace
from bosun.api.base import (
    CelRule,
    KindInfo,
    PrinterColumn,
    Resource,
    ResourceStatus,
    WireModel,
    cel_config,
    status_columns,
)

VERSION = "v1alpha1"
CONVERTED_FROM = "bosun.dev/converted-from"
"""Annotation on a converted object: the apiVersion it was written in."""
NOT_CARRIED_OVER = "bosun.dev/not-carried-over"
"""Annotation on a converted object: the fields it lost, '; '-separated."""
HTTP_TOOLS = "bosun.dev/http-tools"
"""Annotation on a converted Agent: its HTTP Tools as JSON (`HttpToolRef` list), for the
translator (a Tool's definition, never a Secret value: header Secrets stay references)."""
TOOL_REFS = "bosun.dev/v1alpha1-tools"
"""Annotation on a converted Agent: its v1alpha1 `tools: [{name, namespace}]` as JSON, so
the controller resolves them again against the stored Tools at each reconcile
(bosun.api.v1alpha1_resolve)."""


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
    info = KindInfo(
        kind="Agent",
        version=VERSION,
        plural="agents",
        description="An agent in the kagent.dev/v1alpha1 API; Bosun runs it as its v1alpha2 "
        "form (docs/v1alpha1.md).",
        printer_columns=(
            PrinterColumn("Model", ".spec.modelConfigRef.name"),
            *status_columns("Ready", "Accepted"),
        ),
    )
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
    info = KindInfo(
        kind="ModelConfig",
        version=VERSION,
        plural="modelconfigs",
        short_names=("mc",),
        description="A model in the kagent.dev/v1alpha1 API; Bosun reads it as its v1alpha2 "
        "form (docs/v1alpha1.md).",
        printer_columns=(
            PrinterColumn("Provider", ".spec.provider"),
            PrinterColumn("Model", ".spec.model"),
            *status_columns("Accepted"),
        ),
    )
    status: ResourceStatus | None = None


ToolType = Literal["kubernetes", "http", "custom"]


class ToolParameter(WireModel):
    model_config = WireModel.model_config | {"extra": "allow"}
    type: str = "string"
    description: str = ""


HTTP_RULE = CelRule(
    rule="!has(self.http) || self.type == 'http'",
    message="http may be set only when type is http",
)
HEADER_RULE = CelRule(
    rule="has(self.value) != has(self.valueFrom)",
    message="exactly one of value and valueFrom must be set",
)
HTTP_URL_RULE = CelRule(
    rule="self.url.startsWith('http://') || self.url.startsWith('https://')",
    message="url must start with http:// or https://",
)


class SecretKeySelector(WireModel):
    name: Name = Field(description="A Secret in the Tool's namespace.")
    key: str = Field(min_length=1, description="The key of the Secret.")


class HeaderSource(WireModel):
    secret_key_ref: SecretKeySelector


class HttpHeader(WireModel):
    model_config = cel_config(HEADER_RULE)
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
    value: str | None = Field(default=None, description="A literal value (not a secret).")
    value_from: HeaderSource | None = Field(
        default=None, description="The value from a Secret key (never written to config.json)."
    )

    @model_validator(mode="after")
    def _one_source(self) -> HttpHeader:
        if (self.value is None) == (self.value_from is None):
            raise ValueError(HEADER_RULE.message)
        return self


class HttpToolSpec(WireModel):
    """How a type http Tool is called: `{param}` in url and body is the argument's value."""

    model_config = cel_config(HTTP_URL_RULE)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field(
        min_length=1,
        description="URL template: {name} is replaced by the parameter's value, URL-encoded. "
        "Parameters not in url or body go in the query string (GET, DELETE) or as a JSON "
        "object body (POST, PUT, PATCH without a body template).",
    )
    headers: list[HttpHeader] = Field(default_factory=list)
    body: str | None = Field(
        default=None,
        description="Body template: {name} is replaced by the value, JSON-escaped when the "
        "content type is JSON (so it can sit inside a JSON string), else as is.",
    )
    content_type: str | None = Field(
        default=None, description="Content-Type of a templated body (default application/json)."
    )
    timeout: float = Field(default=30.0, gt=0, le=600, description="Seconds per call.")

    @model_validator(mode="after")
    def _url(self) -> HttpToolSpec:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(HTTP_URL_RULE.message)
        return self


class ToolSpec(WireModel):
    model_config = cel_config(HTTP_RULE)
    type: ToolType = Field(
        description="kubernetes (a tool of Bosun's built-in tool server), http (a generic "
        "HTTP call, see http) or custom (accepted, but it cannot run: see the status)."
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
    http: HttpToolSpec | None = Field(
        default=None,
        description="type http: the call to make (without it, an http Tool cannot run).",
    )

    @model_validator(mode="after")
    def _http(self) -> ToolSpec:
        if self.http is not None and self.type != "http":
            raise ValueError(HTTP_RULE.message)
        return self


class ToolStatus(ResourceStatus):
    builtin_tool: str | None = Field(default=None, description="The built-in tool it runs as.")
    runs_as: str | None = Field(
        default=None, description="How it runs: builtin, http, or empty when it cannot."
    )


class Tool(Resource[ToolSpec, ToolStatus]):
    info = KindInfo(
        kind="Tool",
        version=VERSION,
        plural="tools",
        description="A tool of the kagent.dev/v1alpha1 API, used by v1alpha1 Agents by name. "
        "type kubernetes runs as the built-in tool server's matching tool, type http as a "
        "generic HTTP call made by the agent.",
        printer_columns=(
            PrinterColumn("Type", ".spec.type"),
            PrinterColumn("Runs As", ".status.runsAs"),
            PrinterColumn("Builtin", ".status.builtinTool", priority=1),
            *status_columns("Accepted"),
        ),
    )
    status: ToolStatus | None = None


class HttpToolRef(BaseModel):
    """One HTTP Tool as a converted Agent carries it (the `HTTP_TOOLS` annotation)."""

    name: str
    namespace: str
    description: str = ""
    parameters: dict[str, ToolParameter] = Field(default_factory=dict)
    http: HttpToolSpec


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
