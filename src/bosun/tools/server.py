"""Assemble and run Bosun's built-in MCP tool server (`bosun tools serve`).

`build_server()` returns an `mcp` MCPServer with the tool groups registered:
- always: `current_time`, `echo`, `word_count`, `add`, `calculate`, `bar_chart` (returns a
  PNG file), `server_info`;
- unless `kubernetes_tools=False` (`--no-kubernetes`): kagent's built-in tool names —
  the k8s_* tools (only when a cluster configuration is found), the helm_* tools (they
  need the cluster too) and the prometheus_* tools.
`read_only` (`--read-only`, or $BOSUN_TOOLS_READ_ONLY=true) serves only the tools whose
annotations say readOnlyHint=true. The Prometheus URL comes from `prometheus_url`
(`--prometheus-url`) or $PROMETHEUS_URL; the helm binary from $BOSUN_HELM or PATH.
Tool calls with a progressToken get heartbeat progress notifications (tools/progress.py).
`serve_stdio` and `serve_http` run it; tests use `build_server` with the SDK's client.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from starlette.requests import Request
from starlette.responses import JSONResponse

from bosun.tools import basic, calc, catalog, charts, k8s_client, k8s_read, k8s_workloads, k8s_write
from bosun.tools.helm import HelmTools
from bosun.tools.progress import Heartbeat
from bosun.tools.prometheus import PrometheusTools

logger = logging.getLogger("bosun.tools")

SERVER_NAME = "bosun-tools"
PURE = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class ToolServer:
    server: MCPServer
    kubernetes_status: str  # "enabled: https://..." or "disabled: why"
    tool_names: list[str] = field(default_factory=list)
    read_only: bool = False


def build_server(
    *,
    kubernetes_tools: bool = True,
    read_only: bool | None = None,
    prometheus_url: str | None = None,
    helm_binary: str | None = None,
) -> ToolServer:
    """The tool server; `kubernetes_tools=False` skips the cluster tools altogether."""
    from bosun import __version__

    if read_only is None:
        read_only = os.environ.get("BOSUN_TOOLS_READ_ONLY", "").strip().lower() in TRUE
    prometheus_url = prometheus_url or os.environ.get("PROMETHEUS_URL") or None
    server: MCPServer = MCPServer(
        SERVER_NAME,
        version=__version__,
        instructions=(
            "Bosun's built-in tools: time, arithmetic, text helpers and, when configured, "
            "Kubernetes, Helm and Prometheus tools with kagent's names."
            + (" Read-only mode: no tool changes anything." if read_only else "")
        ),
        log_level="WARNING",
        # Long calls (helm upgrade --wait, slow cluster reads) report progress while they run.
        middleware=[Heartbeat()],
    )
    names = ["current_time", "echo", "word_count", "add", "calculate", "bar_chart"]
    server.add_tool(basic.current_time, annotations=PURE, structured_output=False)
    server.add_tool(basic.echo, annotations=PURE, structured_output=False)
    server.add_tool(basic.word_count, annotations=PURE)
    server.add_tool(calc.add, annotations=PURE)
    server.add_tool(calc.calculate, annotations=PURE)
    server.add_tool(charts.bar_chart, annotations=PURE, structured_output=False)

    specs: list[catalog.ToolSpec] = []
    if kubernetes_tools:
        config, status = k8s_client.load_config()
        if config is not None:
            cluster = k8s_client.Cluster(config)
            specs += k8s_read.ReadTools(cluster).specs()
            specs += k8s_write.WriteTools(cluster).specs()
            specs += k8s_workloads.WorkloadTools(cluster).specs()
            specs += HelmTools(helm_binary).specs()
        specs += PrometheusTools(prometheus_url).specs()
    else:
        status = "disabled: turned off (--no-kubernetes)"
    names += catalog.register(server, specs, read_only=read_only)

    def server_info() -> basic.ServerInfo:
        """Diagnostics: the process id, version and uptime of this tool server."""
        return basic.make_server_info(SERVER_NAME, __version__, status)

    server.add_tool(server_info, annotations=PURE)
    names.append("server_info")

    @server.custom_route("/healthz", methods=["GET"])  # type: ignore[untyped-decorator]
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ready", "kubernetes": status, "read_only": read_only})

    return ToolServer(server, status, names, read_only)


async def serve_stdio(tools: ToolServer) -> None:
    await tools.server.run_stdio_async()


def http_app(tools: ToolServer, host: str, path: str = "/mcp") -> Any:
    """The Streamable HTTP app, behind the Host/Origin check (bosun.security.hosts: 403 for
    a Host the server is not reached by; Service names allowed when `host` is not loopback;
    $BOSUN_ALLOWED_HOSTS / $BOSUN_ALLOWED_ORIGINS add more). /healthz is not checked."""
    from mcp.server.transport_security import TransportSecuritySettings

    from bosun.security.hosts import HostGuard, HostPolicy

    app = tools.server.streamable_http_app(
        streamable_http_path=path,
        host=host,
        # Off in the SDK (its loopback-only list would refuse Service names): HostGuard.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return HostGuard(app, HostPolicy.for_bind(host))


async def serve_http(tools: ToolServer, host: str, port: int, path: str = "/mcp") -> None:
    import uvicorn

    config = uvicorn.Config(http_app(tools, host, path), host=host, port=port, log_level="warning")
    await uvicorn.Server(config).serve()
