"""`bosun mcp-bridge -- CMD ARGS...` and `bosun tools serve`.

Registered by bosun.cli.main. `mcp-bridge` serves a stdio MCP server over Streamable HTTP
(and legacy SSE) with one warm child per bridge (bosun.mcpbridge); MCPServer pods and
local mode run it. `tools serve` runs Bosun's built-in tool server (bosun.tools). Heavy
imports happen inside the commands.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys

import typer

tools_app = typer.Typer(
    name="tools",
    help="Bosun's built-in MCP tool server.",
    no_args_is_help=True,
    add_completion=False,
)


def register(app: typer.Typer) -> None:
    app.command(
        "mcp-bridge",
        context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
    )(mcp_bridge)
    app.add_typer(tools_app)


def mcp_bridge(
    command: list[str] | None = typer.Argument(
        None, metavar="-- CMD [ARGS]...", help="The stdio MCP server to run, after `--`."
    ),
    host: str = typer.Option("0.0.0.0", help="Address to listen on."),
    port: int = typer.Option(3000, help="Port to listen on."),
    path: str = typer.Option("/mcp", help="Path of the Streamable HTTP endpoint."),
    init_timeout: float = typer.Option(
        60.0, help="Seconds the child may take to answer the MCP handshake (npx may download)."
    ),
    request_wait: float = typer.Option(
        15.0, help="Seconds a request waits for the child to (re)start before failing."
    ),
    log_level: str = typer.Option("info", help="debug, info, warning or error."),
) -> None:
    """Serve a stdio MCP server over Streamable HTTP (and legacy SSE at /sse), keeping one
    warm child process shared by all clients; GET /healthz is 200 once it is initialized.

    Example: bosun mcp-bridge --port 3000 -- npx -y @modelcontextprotocol/server-everything
    """
    argv = list(command or [])
    if argv[:1] == ["--"]:  # click keeps a second `--`; a command is never named that
        argv = argv[1:]
    if not argv:
        typer.echo(
            "bosun mcp-bridge: missing the stdio MCP server to run; "
            "usage: bosun mcp-bridge [OPTIONS] -- CMD [ARGS]...",
            err=True,
        )
        raise typer.Exit(2)
    problem = _check_executable(argv[0])
    if problem:
        typer.echo(f"bosun mcp-bridge: {problem}", err=True)
        raise typer.Exit(127)
    if not path.startswith("/"):
        typer.echo(f"bosun mcp-bridge: --path must start with '/', got {path!r}", err=True)
        raise typer.Exit(2)

    from bosun.mcpbridge.run import run_bridge

    level = getattr(logging, log_level.upper(), logging.INFO)
    _log_to_stderr("bosun.mcpbridge", level)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn has already stopped everything
        run_bridge(
            argv,
            host=host,
            port=port,
            path=path,
            init_timeout=init_timeout,
            wait_timeout=request_wait,
            log_level=logging.getLevelName(max(level, logging.WARNING)).lower(),
        )


@tools_app.command("serve")
def tools_serve(
    stdio: bool = typer.Option(False, "--stdio", help="Speak MCP over stdin/stdout."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (HTTP)."),
    port: int = typer.Option(8084, help="Port to listen on (HTTP)."),
    path: str = typer.Option("/mcp", help="Path of the Streamable HTTP endpoint."),
    kubernetes: bool = typer.Option(
        True,
        "--kubernetes/--no-kubernetes",
        help="Offer the Kubernetes and Helm tools (kubeconfig or in-cluster credentials).",
    ),
    read_only: bool | None = typer.Option(
        None,
        "--read-only/--read-write",
        help="Serve only the tools that change nothing (default: $BOSUN_TOOLS_READ_ONLY).",
    ),
    prometheus_url: str | None = typer.Option(
        None,
        "--prometheus-url",
        envvar="PROMETHEUS_URL",
        help="Prometheus the prometheus_* tools query, e.g. http://prometheus.monitoring:9090.",
    ),
) -> None:
    """Serve Bosun's built-in tools over MCP (kagent's names: k8s_*, helm_*, prometheus_*,
    plus time, arithmetic and text): Streamable HTTP on --port (default), or stdio."""
    import anyio

    from bosun.tools.server import build_server, serve_http, serve_stdio

    _log_to_stderr("bosun.tools", logging.INFO)
    tools = build_server(
        kubernetes_tools=kubernetes, read_only=read_only, prometheus_url=prometheus_url
    )
    # stdout belongs to the protocol in stdio mode: everything human goes to stderr.
    where = "stdio" if stdio else f"http://{host}:{port}{path}"
    typer.echo(
        f"bosun tools: serving on {where}; Kubernetes tools {tools.kubernetes_status}", err=True
    )
    with contextlib.suppress(KeyboardInterrupt):
        if stdio:
            anyio.run(serve_stdio, tools)
        else:
            anyio.run(serve_http, tools, host, port, path)


def _check_executable(command: str) -> str | None:
    if os.sep in command:
        if not os.path.isfile(command):
            return f"command {command!r} not found"
        if not os.access(command, os.X_OK):
            return f"command {command!r} is not executable"
        return None
    if shutil.which(command) is None:
        return f"command {command!r} not found on PATH"
    return None


def _log_to_stderr(name: str, level: int) -> None:
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
