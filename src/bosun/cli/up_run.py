"""The body of `bosun up` (see up.py for what it composes), as one async function.

Kept out of up.py so that importing the command stays cheap; everything heavy is imported
when `bosun up` actually runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from bosun.cli.up_models import ModelChoice, choose

log = logging.getLogger("bosun.up")
MOCK_SCRIPT = Path("mockllm") / "script.yaml"  # in the manifests' directory


@dataclass(frozen=True)
class UpOptions:
    directory: Path | None  # None: apply nothing (what the store holds still runs)
    port: int
    mock_llm: bool
    mock_llm_port: int
    mock_llm_script: Path | None
    data_dir: Path | None
    wait: float


class UpError(Exception):
    """Something that keeps `bosun up` from starting, said plainly."""


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _log_to_file(path: Path) -> None:
    """Everything Bosun logs in this process goes to one file (the terminal shows progress)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("sqlalchemy", "alembic", "httpx", "uvicorn.access", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _manifests(directory: Path) -> list[dict[str, Any]]:
    from bosun.api.manifests import load_manifests
    from bosun.cli.resources import manifest_bodies

    if not directory.exists():
        raise UpError(f"{directory}: no such file or directory (use -f DIR)")
    manifests = load_manifests([directory])
    if manifests.errors:
        problems = "\n  ".join(str(p) for p in manifests.errors)
        raise UpError(f"the manifests in {directory} have problems:\n  {problems}")
    return manifest_bodies(manifests)


def _with_model(bodies: list[dict[str, Any]], choice: ModelChoice) -> list[dict[str, Any]]:
    """DIR's objects with the chosen provider's replacing those of the same kind and name."""

    def key(body: dict[str, Any]) -> tuple[str, str, str]:
        meta = body.get("metadata") or {}
        return (str(body.get("kind")), str(meta.get("namespace") or "default"), str(meta["name"]))

    replaced = {key(b) for b in choice.bodies}
    return [b for b in bodies if key(b) not in replaced] + choice.bodies


EXAMPLES_MOCK_URL = "http://127.0.0.1:8090"


def _with_mock_port(bodies: list[dict[str, Any]], port: int) -> list[dict[str, Any]]:
    """ModelConfigs aimed at the examples' fake LLM follow `--mock-llm-port`.

    The examples say 127.0.0.1:8090; without this, another port would leave every agent
    failing with "provider could not be reached".
    """
    if port == 8090:
        return bodies
    out = []
    for body in bodies:
        spec = body.get("spec") or {}
        block = spec.get("openAI") or spec.get("anthropic") or {}
        base = str(block.get("baseUrl") or "")
        if body.get("kind") == "ModelConfig" and base.startswith(EXAMPLES_MOCK_URL):
            new_base = f"http://127.0.0.1:{port}" + base.removeprefix(EXAMPLES_MOCK_URL)
            block = {**block, "baseUrl": new_base}
            name = "openAI" if "openAI" in spec else "anthropic"
            body = {**body, "spec": {**spec, name: block}}
        out.append(body)
    return out


class _Uvicorn:
    """uvicorn.Server without its own signal handling: `bosun up` handles Ctrl-C itself."""

    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        from bosun.server.app import uvicorn_options

        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
            backlog=4096,
            http=uvicorn_options()["http"],  # the loop is `bosun up`'s own (asyncio.run)
        )
        self.server = Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises what stopped it
                raise UpError("the control plane stopped while starting")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self.task, 5)


async def run_up(options: UpOptions) -> int:
    import sys

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    try:
        return await _run(options, console)
    except UpError as exc:
        console.print(f"[red]bosun up:[/] {exc}")
        return 1


async def _run(options: UpOptions, console: Console) -> int:
    from bosun.cli.resources import apply_bodies
    from bosun.cli.restclient import ControlPlane
    from bosun.cli.up_progress import summary, wait_for_workloads
    from bosun.controller.local.supervisor import LocalSupervisor
    from bosun.server.app import create_app
    from bosun.server.db.engine import Database
    from bosun.server.governance import agent_token_minter
    from bosun.server.routes import workload_logs
    from bosun.server.settings import Settings
    from bosun.server.store_db import DbResourceStore
    from bosun.server.ui import ui_built

    settings = (
        Settings(mode="local", auth="none", data_dir=options.data_dir)
        if options.data_dir is not None
        else Settings(mode="local", auth="none")
    )
    data_dir = settings.data_dir
    directory = options.directory
    bodies = _manifests(directory) if directory is not None else []
    if directory is None:
        choice = ModelChoice("as configured", "")  # no examples: no model to pick
    else:
        choice = choose(directory if directory.is_dir() else directory.parent)
    if choice.problems:
        raise UpError("; ".join(choice.problems))
    bodies = _with_model(bodies, choice)
    if options.mock_llm:
        bodies = _with_mock_port(bodies, options.mock_llm_port)
    if not _port_free(options.port):
        raise UpError(
            f"port {options.port} is in use (another `bosun up`?); choose one with --port"
        )
    base = directory if directory is not None and directory.is_dir() else Path(".")
    script = options.mock_llm_script or base / MOCK_SCRIPT
    if options.mock_llm and not _port_free(options.mock_llm_port):
        raise UpError(f"port {options.mock_llm_port} for the mock LLM is in use (--mock-llm-port)")
    _log_to_file(data_dir / "logs" / "bosun-up.log")
    url = f"http://127.0.0.1:{options.port}"

    async with contextlib.AsyncExitStack() as stack:
        db = await Database.open(settings.resolved_database_url())
        stack.push_async_callback(db.close)
        store = DbResourceStore.for_database(db, settings.secret_key_file)
        stack.callback(store.close)
        supervisor = LocalSupervisor(
            store,
            data_dir=data_dir,
            controlplane_url=url,
            model_gateway=settings.model_gateway,  # BOSUN_MODEL_GATEWAY=on (docs/gateway.md)
            gateway_token=agent_token_minter(settings),
        )
        app = create_app(
            settings,
            database=db,
            store=store,
            endpoint=lambda agent: supervisor.agent_url(agent.namespace, agent.name),
        )
        app.state.workload_logs = supervisor.log_path
        app.include_router(workload_logs.router)
        _routes_first(app, workload_logs.router)

        readiness = app.state.readiness
        if bodies:
            where = directory or "-f"
            readiness.wait_for("manifests", f"starting: applying the manifests of {where}")
        mock_line = await _start_mock(stack, options, script, data_dir)
        server = _Uvicorn(app, options.port)
        await server.start()
        stack.push_async_callback(server.stop)
        run_task = asyncio.create_task(supervisor.run(), name="local supervisor")
        stack.push_async_callback(_stop_supervisor, supervisor, run_task)

        stop = asyncio.Event()
        _on_signals(stop)
        with ControlPlane(url) as client:
            failures = await asyncio.to_thread(apply_bodies, client, bodies, echo=False)
        for failure in failures:
            console.print(f"[red]not applied:[/] {failure}")
        if failures:
            readiness.fail("manifests", f"{len(failures)} manifest(s) not applied: {failures[0]}")
        else:
            readiness.done("manifests")
            await _until_ready(url)
        waiting = asyncio.create_task(
            wait_for_workloads(supervisor, console, url, within=options.wait)
        )
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({waiting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if waiting.done() and not stop.is_set():
            model = f"{choice.provider} ({choice.reason})" if choice.reason else choice.provider
            lines = [
                ("web UI", f"{url}/" + ("" if ui_built() else "   (not built: see that page)")),
                ("control plane", f"{url}   (API docs {url}/docs)"),
            ]
            if directory is not None:
                lines.append(("model", model))
            if mock_line:
                lines.append(("mock LLM", mock_line))
            lines.append(("data dir", f"{data_dir}   (logs in {data_dir / 'logs'})"))
            summary(console, waiting.result(), proxy=url, lines=lines)
            await stop.wait()
        waiting.cancel()
        stopped.cancel()
        count = sum(1 for w in supervisor.workloads.values() if w.process is not None)
        console.print(f"stopping {count} workload(s) ...")
    console.print("stopped; nothing left running")
    return 0


UP_MOCK_KEEP = 200
"""Requests the in-process fake LLM of `bosun up --mock-llm` keeps for GET /_mock/requests."""


async def _start_mock(
    stack: contextlib.AsyncExitStack, options: UpOptions, script: Path, data_dir: Path
) -> str | None:
    if not options.mock_llm:
        return None
    from bosun.mockllm.harness import MockLLM
    from bosun.mockllm.script import MockScriptError

    if not script.is_file():  # noqa: ASYNC240 - one stat at start
        raise UpError(f"--mock-llm: no script at {script} (give --mock-llm-script FILE)")
    handler = logging.FileHandler(data_dir / "logs" / "mockllm.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    mock_logger = logging.getLogger("bosun.mockllm")
    mock_logger.addHandler(handler)
    mock_logger.setLevel(logging.INFO)
    mock_logger.propagate = False
    try:
        # It lives in this process: its request log (whole bodies, which grow with each
        # conversation) is kept short, or a long session grows by ~19 kB per LLM call.
        mock = MockLLM(script, port=options.mock_llm_port, keep=UP_MOCK_KEEP)
    except MockScriptError as exc:
        raise UpError(f"--mock-llm: {exc}") from None
    await stack.enter_async_context(mock)
    return f"{mock.openai_base_url}   (script {script})"


async def _until_ready(url: str) -> None:
    """What a probe sees is what `bosun up` reports: wait for its own /readyz."""
    import httpx

    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
        for _ in range(100):
            response = await client.get(f"{url}/readyz")
            if response.status_code == 200:
                return
            await asyncio.sleep(0.05)
    raise UpError(f"the control plane is not ready: {response.json().get('reasons')}")


def _routes_first(app: Any, router: Any) -> None:
    """Put a router's routes before any catch-all mount (e.g. the UI's static files)."""
    paths = {route.path for route in router.routes}
    # FastAPI >= 0.16x includes a router as one lazy entry holding `original_router`.
    ours = [
        r
        for r in app.router.routes
        if getattr(r, "path", None) in paths or getattr(r, "original_router", None) is router
    ]
    rest = [r for r in app.router.routes if r not in ours]
    app.router.routes[:] = ours + rest


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    state = {"count": 0}

    def handle() -> None:
        state["count"] += 1
        if state["count"] > 1:  # a second Ctrl-C: stop waiting for graceful exits
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, handle)


async def _stop_supervisor(supervisor: Any, task: asyncio.Task[None]) -> None:
    await supervisor.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
