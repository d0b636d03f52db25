"""`bosun agent --config DIR`: run one agent as an A2A server (the agent pod's process).

Registered by bosun.cli.main. Reads config.json and agent-card.json from DIR (the
translator writes them; in a cluster they are a mounted Secret) and serves A2A with
uvicorn. The runtime (bosun.runtime.app) is imported inside the command so other
`bosun` commands stay fast, and it defers its own heavy imports until after the server
accepts connections.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    app.command("agent")(agent)


def agent(
    config: Path = typer.Option(
        ..., "--config", "-c", help="Directory with config.json and agent-card.json."
    ),
    host: str = typer.Option("0.0.0.0", help="Address to listen on."),
    port: int = typer.Option(8080, help="Port to listen on."),
    public_url: str | None = typer.Option(
        None,
        "--public-url",
        envvar="BOSUN_AGENT_URL",
        help="URL clients reach this agent at; replaces the URL in the agent card.",
    ),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        envvar="BOSUN_AGENT_DATA",
        help="Where sessions are kept when BOSUN_URL is not set (SQLite).",
    ),
    log_level: str = typer.Option(
        os.environ.get("BOSUN_LOG_LEVEL", "info"), help="debug, info, warning or error."
    ),
) -> None:
    """Run an agent: A2A server, agent loop, MCP tools and approvals."""
    import gc
    import logging
    import sys

    # Start-up imports make ~300 000 objects and no garbage worth collecting; the runtime
    # turns the collector back on, tuned, once the engine is built (runtime.app.settle_gc).
    gc.disable()

    # Optional parts of libraries that their importers load when installed and skip
    # (ImportError) when not; the agent process uses none of them:
    # - the a2a-sdk's database stores (SQLAlchemy) and FastAPI routes: ~1 s CPU, ~20 MB;
    # - httpx's command-line client (rich, pygments, click), loaded by `import httpx`: 3 MB;
    # - the openai SDK's optional aiohttp transport (aiohttp, yarl, multidict, ...): 8 MB;
    # - HTTP/2 (h2), which httpcore loads eagerly and no client here enables: 1.5 MB.
    unused_parts = (
        "sqlalchemy",
        "fastapi",
        "httpx._main",
        "openai._vendor.httpx_aiohttp",
        "h2",
    )
    for unused in unused_parts:
        sys.modules.setdefault(unused, None)  # type: ignore[arg-type]

    from pydantic import ValidationError

    from bosun.api.config import CONFIG_FILE, AgentConfig
    from bosun.runtime.telemetry import enabled as telemetry_enabled

    if not telemetry_enabled():
        # Without an exporter the a2a-sdk's spans (some 50 per turn) go nowhere, yet each
        # costs a span object and a context switch; its own switch turns them into no-ops.
        # Read when the a2a-sdk is imported, so it must be set before that (in the background).
        os.environ.setdefault("OTEL_INSTRUMENTATION_A2A_SDK_ENABLED", "false")

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # HTTP client libraries log every request at INFO; that is noise in an agent's log.
    for noisy in ("httpx", "httpx2", "httpcore", "mcp", "fastmcp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from bosun.api.teamconfig import is_team_config

    if is_team_config(config):  # an AgentTeam's workload: the team loop serves A2A
        _serve_team(config, host, port, public_url, data_dir, log_level)
        return
    try:
        agent_config = AgentConfig.load(config)
    except FileNotFoundError:
        typer.echo(f"bosun agent: {config / CONFIG_FILE} not found", err=True)
        raise typer.Exit(2) from None
    except (ValidationError, ValueError) as exc:
        typer.echo(f"bosun agent: {config / CONFIG_FILE} is invalid:\n{exc}", err=True)
        raise typer.Exit(2) from None

    # Imported here, before the app: its objects are then among those settle_gc freezes.
    import uvicorn  # noqa: F401

    from bosun.runtime.app import create_app
    from bosun.runtime.card import CardError

    try:
        app = create_app(
            config, public_url=public_url, data_dir=data_dir, config=agent_config, own_process=True
        )
    except CardError as exc:
        typer.echo(f"bosun agent: {exc}", err=True)
        raise typer.Exit(2) from None
    _serve(app, host, port, log_level)


def _serve_team(
    config: Path, host: str, port: int, public_url: str | None, data_dir: Path | None, level: str
) -> None:
    import gc

    from pydantic import ValidationError

    from bosun.api.teamconfig import TeamConfig
    from bosun.runtime.team_app import create_team_app

    gc.enable()  # the agent path re-enables it once its engine is built; a team has none
    try:
        team_config = TeamConfig.load(config)
    except (ValidationError, ValueError) as exc:
        typer.echo(f"bosun agent: {config} holds an invalid team config.json:\n{exc}", err=True)
        raise typer.Exit(2) from None
    app = create_team_app(config, config=team_config, public_url=public_url, data_dir=data_dir)
    _serve(app, host, port, level)


def _serve(app: Any, host: str, port: int, level: str) -> None:
    """Serve an agent's or a team's A2A app until stopped (both `bosun agent` paths)."""
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level=level.lower(),
        access_log=False,
        ws="none",  # A2A has no WebSocket binding; spares importing the websockets library
        timeout_graceful_shutdown=5,
    )
