"""`bosun mockllm`: run the scripted fake LLM in the foreground.

Registered by bosun.cli.main. The server code (bosun.mockllm) is imported inside the
command so that other `bosun` commands do not pay for it.
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("mockllm")(mockllm)


def mockllm(
    script: Path = typer.Option(
        ...,
        "--script",
        "-s",
        help="YAML or JSON file of rules (see docs/mockllm.md). Reloaded when it changes.",
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8090, help="Port to listen on (0 picks a free one)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not log each request."),
) -> None:
    """Serve a scripted fake LLM speaking the OpenAI and Anthropic APIs, for offline tests."""
    import logging

    from bosun.mockllm.harness import serve
    from bosun.mockllm.script import MockScriptError, load_script

    try:
        rules = load_script(script)
    except MockScriptError as exc:
        typer.echo(f"bosun mockllm: {exc}", err=True)
        raise typer.Exit(2) from None

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("bosun.mockllm")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False

    def ready(url: str) -> None:
        count = len(rules.rules)
        typer.echo(f"mockllm serving {script} ({count} rule{'' if count == 1 else 's'}) on {url}")
        typer.echo(f"  OpenAI (ModelConfig provider OpenAI, baseUrl):  {url}/v1")
        typer.echo(f"  Anthropic (provider Anthropic, baseUrl):        {url}")
        typer.echo(f"  Azure OpenAI (azureEndpoint):                   {url}")
        typer.echo(f"  recorded requests: {url}/_mock/requests   (Ctrl-C to stop)")

    try:
        serve(rules, host, port, watch=script, on_ready=ready)
    except OSError as exc:
        typer.echo(
            f"bosun mockllm: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True
        )
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass
    typer.echo("mockllm stopped")
