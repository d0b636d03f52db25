"""Assemble and run Bosun's built-in MCP tool server.

`build_server()` returns an `mcp` MCPServer with every tool group registered (the
Kubernetes group only when a cluster configuration is found). `serve_stdio` and
`serve_http` run it; the CLI (`bosun tools serve`) calls them, tests use `build_server`
with the SDK's in-memory client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from starlette.requests import Request
from starlette.responses import JSONResponse

from bosun.tools import basic, calc, kubernetes

logger = logging.getLogger("bosun.tools")

SERVER_NAME = "bosun-tools"
PURE = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


@dataclass(frozen=True)
class ToolServer:
    server: MCPServer
    kubernetes_status: str  # "enabled: https://..." or "disabled: why"


def build_server(*, kubernetes_tools: bool = True) -> ToolServer:
    """The tool server; `kubernetes_tools=False` skips looking for a cluster at all."""
    from bosun import __version__

    server: MCPServer = MCPServer(
        SERVER_NAME,
        version=__version__,
        instructions=(
            "Bosun's built-in tools: time, arithmetic, text helpers and, when configured, "
            "read-only Kubernetes queries."
        ),
        log_level="WARNING",
    )
    server.add_tool(basic.current_time, annotations=PURE, structured_output=False)
    server.add_tool(basic.echo, annotations=PURE, structured_output=False)
    server.add_tool(basic.word_count, annotations=PURE)
    server.add_tool(calc.add, annotations=PURE)
    server.add_tool(calc.calculate, annotations=PURE)

    if kubernetes_tools:
        config, status = kubernetes.load_config()
        if config is not None:
            kubernetes.KubernetesTools(config).register(server)
    else:
        status = "disabled: turned off (--no-kubernetes)"

    def server_info() -> basic.ServerInfo:
        """Diagnostics: the process id, version and uptime of this tool server."""
        return basic.make_server_info(SERVER_NAME, __version__, status)

    server.add_tool(server_info, annotations=PURE)

    @server.custom_route("/healthz", methods=["GET"])  # type: ignore[untyped-decorator]
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ready", "kubernetes": status})

    return ToolServer(server, status)


async def serve_stdio(tools: ToolServer) -> None:
    await tools.server.run_stdio_async()


async def serve_http(tools: ToolServer, host: str, port: int, path: str = "/mcp") -> None:
    await tools.server.run_streamable_http_async(host=host, port=port, streamable_http_path=path)
