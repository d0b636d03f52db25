"""Tool servers: RemoteMCPServer (one that runs elsewhere) and MCPServer (one Bosun deploys)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from bosun.api.agent import ValueRef
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
from bosun.api.k8s import AllowedNamespaces, EnvVar, KubeObject, LocalObjectReference, PolicyRule
from bosun.api.modelconfig import TLSConfig

Duration = Annotated[
    str,
    Field(
        pattern=r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$",
        description='A duration such as "30s", "1m30s" or "500ms".',
    ),
]


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration ("1m30s" -> 90.0)."""
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    total, number = 0.0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in units or not number:
            raise ValueError(f"not a duration: {text!r}")
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        raise ValueError(f"not a duration (missing unit): {text!r}")
    return total


REMOTE_TLS_RULE = CelRule(
    rule="!has(self.tls) || self.url.startsWith('https://')",
    message="tls applies only to https:// URLs",
)


class RemoteMCPServerSpec(WireModel):
    model_config = cel_config(REMOTE_TLS_RULE)

    description: str = Field(default="", description="What the server's tools are for.")
    protocol: Literal["STREAMABLE_HTTP", "SSE"] = Field(
        default="STREAMABLE_HTTP", description="MCP transport the server speaks."
    )
    url: str = Field(
        min_length=1,
        max_length=2048,
        pattern=r"^https?://",
        description="The server's MCP endpoint, e.g. http://tools.default:8084/mcp.",
    )
    headers_from: list[ValueRef] = Field(
        default_factory=list,
        max_length=50,
        description="Headers sent with every request; values may come from Secrets.",
    )
    timeout: Duration = Field(default="30s", description="Timeout of a request or tool call.")
    sse_read_timeout: Duration | None = None
    terminate_on_close: bool = True
    allowed_namespaces: AllowedNamespaces | None = Field(
        default=None,
        description="Namespaces whose agents may use this server (default: Same).",
    )
    tls: TLSConfig | None = Field(default=None, description="TLS settings for an https:// url.")

    @model_validator(mode="after")
    def _tls_needs_https(self) -> RemoteMCPServerSpec:
        if self.tls is not None and not self.url.startswith("https://"):
            raise ValueError(f"tls is set but url is {self.url}: {REMOTE_TLS_RULE.message}")
        return self


class DiscoveredTool(WireModel):
    name: str
    description: str = ""
    # The tool's MCP annotations that decide the built-in tools' default approval (a
    # destructive tool pauses): optional, so kagent's status (name, description) still reads.
    read_only_hint: bool | None = Field(
        default=None, description="The tool's MCP readOnlyHint annotation, when it has one."
    )
    destructive_hint: bool | None = Field(
        default=None, description="The tool's MCP destructiveHint annotation, when it has one."
    )


# Status of both tool-server kinds (the same discovery fills it). A comment, not a
# docstring: a docstring would become the CRD's status description.
class ToolServerStatus(ResourceStatus):
    discovered_tools: list[DiscoveredTool] = Field(default_factory=list)


# The kinds' own names for it stay, for importers.
RemoteMCPServerStatus = ToolServerStatus
MCPServerStatus = ToolServerStatus


class RemoteMCPServer(Resource[RemoteMCPServerSpec, RemoteMCPServerStatus]):
    info = KindInfo(
        kind="RemoteMCPServer",
        version="v1alpha2",
        plural="remotemcpservers",
        short_names=("rmcps",),
        description="An MCP tool server reachable over HTTP (Streamable HTTP or SSE).",
        printer_columns=(
            PrinterColumn("URL", ".spec.url"),
            PrinterColumn("Tools", ".status.discoveredTools[*].name"),
            *status_columns("Accepted"),
        ),
    )
    status: RemoteMCPServerStatus | None = None


class HTTPTransport(WireModel):
    target_port: int | None = Field(
        default=None, ge=1, le=65535, description="Defaults to deployment.port."
    )
    path: str = Field(default="/mcp", pattern=r"^/")


class StdioTransport(WireModel):
    pass


class MCPServiceAccount(WireModel):
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)


class RBAC(WireModel):
    rules: list[PolicyRule] = Field(default_factory=list)


MCP_SERVICE_ACCOUNT_RULE = CelRule(
    rule="!(has(self.serviceAccountName) && has(self.serviceAccount))",
    message="serviceAccountName and serviceAccount are mutually exclusive",
)
MCP_IMAGE_RULE = CelRule(
    rule="has(self.image) || (has(self.cmd) && (self.cmd == 'npx' || self.cmd == 'uvx'))",
    message="image is required unless cmd is npx or uvx",
)

# Commands that fetch and run a package; with one of these and no image, the translator
# picks Bosun's MCP runner image (which has node/npx, uv/uvx and the stdio bridge).
PACKAGE_RUNNERS = ("npx", "uvx")


class MCPServerDeployment(WireModel):
    model_config = cel_config(MCP_SERVICE_ACCOUNT_RULE, MCP_IMAGE_RULE)

    image: str | None = Field(default=None, description="Defaults by cmd for npx and uvx.")
    cmd: str | None = Field(
        default=None, description="Command to run, e.g. npx or uvx (stdio: behind the bridge)."
    )
    args: list[str] = Field(default_factory=list)
    port: int = Field(
        default=3000, ge=1, le=65535, description="Port the Service (and the bridge) listen on."
    )
    env: list[EnvVar] = Field(default_factory=list, description="core/v1 EnvVar, valueFrom too.")
    secret_refs: list[LocalObjectReference] = Field(
        default_factory=list, description="Secrets whose keys all become env vars."
    )
    config_map_refs: list[LocalObjectReference] = Field(
        default_factory=list, description="ConfigMaps whose keys all become env vars."
    )
    volumes: list[KubeObject] = Field(default_factory=list)
    volume_mounts: list[KubeObject] = Field(default_factory=list)
    resources: KubeObject | None = None
    security_context: KubeObject | None = None
    replicas: int | None = Field(default=None, ge=0)
    service_account_name: str | None = None
    service_account: MCPServiceAccount | None = None
    rbac: RBAC | None = Field(
        default=None, description="Kubernetes permissions the server needs (a Role)."
    )

    @model_validator(mode="after")
    def _check(self) -> MCPServerDeployment:
        if self.service_account_name is not None and self.service_account is not None:
            raise ValueError(MCP_SERVICE_ACCOUNT_RULE.message)
        if self.image is None and self.cmd not in PACKAGE_RUNNERS:
            raise ValueError(
                f"image is required unless cmd is npx or uvx (cmd is {self.cmd or 'empty'})"
            )
        return self


MCP_TRANSPORT_RULE = CelRule(
    rule="self.transportType == 'http' || !has(self.httpTransport)",
    message="httpTransport may be set only when transportType is http",
)


class MCPServerSpec(WireModel):
    model_config = cel_config(MCP_TRANSPORT_RULE)

    description: str = ""
    transport_type: Literal["stdio", "http"] = Field(
        default="stdio",
        description="stdio: Bosun's bridge serves it over HTTP; http: the image serves MCP.",
    )
    stdio_transport: StdioTransport | None = None
    http_transport: HTTPTransport | None = None
    timeout: Duration = "30s"
    deployment: MCPServerDeployment = Field(description="How the server runs.")

    @model_validator(mode="after")
    def _transport_block(self) -> MCPServerSpec:
        if self.http_transport is not None and self.transport_type != "http":
            raise ValueError(MCP_TRANSPORT_RULE.message)
        return self


class MCPServer(Resource[MCPServerSpec, MCPServerStatus]):
    info = KindInfo(
        kind="MCPServer",
        version="v1alpha1",
        plural="mcpservers",
        short_names=("mcps",),
        description="An MCP tool server that Bosun deploys (stdio behind a bridge, or http).",
        printer_columns=(
            PrinterColumn("Transport", ".spec.transportType"),
            *status_columns("Ready", "Accepted"),
        ),
    )
    status: MCPServerStatus | None = None
