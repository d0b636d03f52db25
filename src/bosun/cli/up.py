"""`bosun up`: Bosun on this machine, no cluster (local mode, DESIGN.md §1).

Registered by bosun.cli.main. One process composes the parts (docs/local-mode.md):
1. the database (SQLite under --data-dir) and its ResourceStore;
2. the local supervisor on that store (controller/local): Agents as `bosun agent`
   children, MCPServers behind `bosun mcp-bridge`, status written back to the store;
3. the control plane app (server/) on 127.0.0.1:--port, in-process under uvicorn, sharing
   the same store, resolving agents to the supervisor's local URLs for its A2A proxy, and
   serving workload logs (/api/logs);
4. with --mock-llm, the scripted fake LLM (mockllm/) with DIR/mockllm/script.yaml;
5. the manifests of DIR applied through the REST API (like `bosun apply -f DIR`), with the
   model chosen by up_models.py.
Ctrl-C (or SIGTERM) stops the supervisor first, which stops every child: nothing is left.
"""

from __future__ import annotations

from pathlib import Path

import typer

DEFAULT_DIR = Path("examples")


def register(app: typer.Typer) -> None:
    app.command("up")(up)


def up(
    directory: Path | None = typer.Option(
        None,
        "--filename",
        "-f",
        help="Directory (or file) of manifests to apply. Default: ./examples if it exists.",
    ),
    port: int = typer.Option(8083, "--port", "-p", help="Control plane port on 127.0.0.1."),
    mock_llm: bool = typer.Option(
        False, "--mock-llm", help="Also run the scripted fake LLM (no API key needed)."
    ),
    mock_llm_port: int = typer.Option(8090, help="Port of the fake LLM (examples use 8090)."),
    mock_llm_script: Path | None = typer.Option(
        None, help="Script of the fake LLM. Default: DIR/mockllm/script.yaml."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Database, agent config dirs and logs (default: user data dir)."
    ),
    wait: float = typer.Option(90.0, help="Seconds to wait for workloads before the summary."),
) -> None:
    """Run Bosun locally: control plane, agents as processes, and DIR's manifests applied."""
    import asyncio

    from bosun.cli.up_run import UpOptions, run_up

    if directory is None and DEFAULT_DIR.is_dir():
        directory = DEFAULT_DIR
    options = UpOptions(
        directory=directory,
        port=port,
        mock_llm=mock_llm,
        mock_llm_port=mock_llm_port,
        mock_llm_script=mock_llm_script,
        data_dir=data_dir,
        wait=wait,
    )
    code = asyncio.run(run_up(options))
    raise typer.Exit(code)
