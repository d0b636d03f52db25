"""The `bosun` command: one Typer app, each group of subcommands in its own module.

Subcommand modules must stay cheap to import: they import heavy libraries (pydantic-ai,
FastAPI, lightkube ...) inside the command function, so that `bosun agent` starts fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="bosun",
    help="Run AI agents on Kubernetes (kagent.dev compatible).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)`. Listed here rather than discovered so the command
# surface is visible in one place.
_COMMAND_MODULES = (
    "bosun.cli.manifests",  # validate, render, crds
    "bosun.cli.mockllm",  # mockllm
    "bosun.cli.agent",  # agent
    "bosun.cli.mcp_bridge",  # mcp-bridge
    "bosun.cli.controlplane",  # controlplane
    "bosun.cli.up",  # up
    "bosun.cli.resources",  # apply, get, describe, delete, logs
    "bosun.cli.invoke",  # invoke, chat
    "bosun.cli.tasks",  # tasks list, get, watch, cancel
    "bosun.cli.cluster",  # install, uninstall, dashboard, bug-report
)


@app.callback()
def _root() -> None:
    """Run AI agents on Kubernetes (kagent.dev compatible)."""


for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:  # a real import error inside the module must surface
            raise
        continue
    _module.register(app)


@app.command()
def version() -> None:
    """Print Bosun's version."""
    from bosun import __version__

    typer.echo(__version__)
