"""`bosun controlplane`: the HTTP API (and, in cluster mode, the operator) in one process.

Registered by bosun.cli.main. FastAPI, uvicorn and the operator are imported inside the
command. Settings come from BOSUN_* variables (bosun.server.settings); the options here
override the most common ones.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    app.command("controlplane")(controlplane)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def controlplane(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8083, help="Port to listen on."),
    mode: str = typer.Option(
        None,
        help="local (resources in the database) or cluster (Kubernetes API). "
        "Default: BOSUN_MODE, else local.",
    ),
    no_operator: bool = typer.Option(
        False, "--no-operator", help="Cluster mode: serve the API only, run no controller."
    ),
    watch_namespaces: str = typer.Option(
        "",
        help="Cluster mode: comma-separated namespaces the operator watches (default: all, "
        "or BOSUN_WATCH_NAMESPACES).",
    ),
    log_level: str = typer.Option("info", help="debug, info, warning or error."),
) -> None:
    """Serve the control plane: REST API, A2A proxy and /mcp (and the operator in cluster
    mode)."""
    import logging

    from pydantic import ValidationError

    from bosun.server.app import run_loop
    from bosun.server.settings import Settings

    try:
        settings = Settings()
        if mode:
            settings = Settings.model_validate({**settings.model_dump(), "mode": mode})
    except ValidationError as exc:
        typer.echo(f"bosun controlplane: invalid settings: {exc}", err=True)
        raise typer.Exit(2) from None
    if settings.auth == "none" and not _is_loopback(host):
        typer.echo(
            f"bosun controlplane: refusing to listen on {host} without authentication; "
            "set BOSUN_AUTH=token or oidc, or listen on 127.0.0.1",
            err=True,
        )
        raise typer.Exit(2)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("alembic", "httpx", "httpx2", "httpcore", "mcp"):  # per-request chatter
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        namespaces = tuple(ns.strip() for ns in watch_namespaces.split(",") if ns.strip())
        run_loop(_serve(settings, host, port, operator=not no_operator, namespaces=namespaces))
    except KeyboardInterrupt:
        pass
    except (ValueError, RuntimeError, OSError) as exc:
        typer.echo(f"bosun controlplane: {exc}", err=True)
        raise typer.Exit(1) from None


async def _serve(
    settings: object, host: str, port: int, *, operator: bool, namespaces: tuple[str, ...]
) -> None:
    import asyncio
    import contextlib

    import uvicorn

    from bosun.server.app import create_app, uvicorn_options
    from bosun.server.settings import Settings

    assert isinstance(settings, Settings)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
        lifespan="on",
        backlog=4096,  # 1000 SSE clients connecting at once overflow the default 2048
        **uvicorn_options(),
    )
    server = uvicorn.Server(config)

    async def http() -> None:
        try:
            await server.serve()
        except SystemExit as exc:  # uvicorn's way of saying the app did not start
            raise RuntimeError("the control plane did not start (see the error above)") from exc

    tasks = [asyncio.create_task(http(), name="http")]
    if settings.mode == "cluster" and operator:
        readiness = app.state.readiness
        readiness.wait_for("controller", "starting: the operator has not synced with the cluster")
        started = asyncio.Event()
        tasks.append(asyncio.create_task(_operator(namespaces, started), name="operator"))
        tasks.append(asyncio.create_task(_open_when(started, readiness), name="readiness"))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # surface the error of whichever stopped first
    finally:
        server.should_exit = True
        for task in tasks:
            if not task.done() and task.get_name() in ("operator", "readiness"):
                task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _open_when(started: Any, readiness: Any) -> None:
    import asyncio

    await started.wait()
    readiness.done("controller")
    await asyncio.Event().wait()  # stays until cancelled: ending would stop _serve


async def _operator(namespaces: tuple[str, ...], started: Any) -> None:
    from bosun.controller.kube.operator import run_operator
    from bosun.controller.kube.settings import ControllerSettings

    # from_env reads what the Helm chart sets (watch namespaces, leader election, images,
    # BOSUN_INTERNAL_URL for the runtime); the flag overrides the namespaces.
    overrides: dict[str, Any] = {"handle_signals": False}
    if namespaces:
        overrides["watch_namespaces"] = namespaces
    await run_operator(ControllerSettings.from_env(**overrides), ready=started)
