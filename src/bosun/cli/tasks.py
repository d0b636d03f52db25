"""`bosun tasks list|get|watch|cancel AGENT ...`: an agent's A2A tasks from the terminal.

Registered by bosun.cli.main. Like `bosun invoke`, every call goes through the control
plane's A2A proxy (`{server}/api/a2a/{namespace}/{name}`) with the official a2a-sdk
client, so a user sees only their own tasks (the proxy answers ListTasks from its task
records, filtered to the caller). What a background run needs: start it with `bosun
invoke` (or any A2A client) and leave; later `list` it, `get` its state and answer,
`watch` it to the end (re-subscribe), or `cancel` it. `--json` prints A2A JSON.
"""

from __future__ import annotations

import json
from typing import Any

import typer

SERVER_HELP = "Control plane URL (env BOSUN_SERVER; default http://127.0.0.1:8083)."
STATES = ("submitted", "working", "input-required", "auth-required", "completed", "failed",
          "canceled", "rejected")  # fmt: skip

tasks_app = typer.Typer(help="List, inspect, follow and cancel an agent's A2A tasks.")


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")


def _state_name(state: str) -> str:
    """'input-required' -> 'TASK_STATE_INPUT_REQUIRED' (the A2A enum name)."""
    return "TASK_STATE_" + state.strip().upper().replace("-", "_")


def _short(state: Any) -> str:
    from a2a.types import TaskState

    return str(TaskState.Name(state)).removeprefix("TASK_STATE_").lower().replace("_", "-")


class _Agent:
    """An a2a-sdk client for one agent through the proxy (async context manager)."""

    def __init__(self, agent: str, namespace: str, server: str | None, token: str | None) -> None:
        import os

        from bosun.cli.a2a_session import agent_ref
        from bosun.cli.restclient import TOKEN_ENV, default_server

        ns, name = agent_ref(agent, namespace)
        self.ref = f"{ns}/{name}"
        self.url = f"{(server or default_server()).rstrip('/')}/api/a2a/{ns}/{name}"
        self.token = token or os.environ.get(TOKEN_ENV)
        self.client: Any = None

    async def __aenter__(self) -> Any:
        import httpx
        from a2a.client import ClientConfig, create_client

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self._http = httpx.AsyncClient(
            headers=headers, timeout=httpx.Timeout(30.0, read=None), trust_env=False
        )
        try:
            self.client = await create_client(
                self.url, client_config=ClientConfig(streaming=True, httpx_client=self._http)
            )
        except Exception as exc:
            await self._http.aclose()
            raise _Failure(f"agent {self.ref} is not reachable at {self.url}: {exc}") from None
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None:
            await self.client.close()
        await self._http.aclose()


class _Failure(Exception):
    pass


def _run(work: Any) -> None:
    import asyncio

    from a2a.client.errors import A2AClientError
    from a2a.utils.errors import A2AError

    try:
        asyncio.run(work)
    except (_Failure, A2AError, A2AClientError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', None) or exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def _json(message: Any) -> dict[str, Any]:
    from google.protobuf import json_format

    data: dict[str, Any] = json_format.MessageToDict(message)
    return data


def _status_text(task: Any) -> str:
    message = task.status.message if task.status.HasField("message") else None
    return "".join(p.text for p in message.parts if p.HasField("text")) if message else ""


def _echo_task(task: Any, *, session: bool = False, text: bool = True) -> None:
    """A task's id and state (and session), then its status message when `text`."""
    line = f"{task.id}  {_short(task.status.state)}"
    typer.echo(f"{line}  session {task.context_id}" if session else line)
    message = _status_text(task) if text else ""
    if message:
        typer.echo(message)


Common = {
    "agent": typer.Argument(..., help="NAME or NAMESPACE/NAME of the agent."),
    "task_id": typer.Argument(..., help="The task id."),
    "namespace": typer.Option("default", "--namespace", "-n"),
    "server": typer.Option(None, "--server", "-s", help=SERVER_HELP),
    "token": typer.Option(None, "--token", help="Bearer token (env BOSUN_TOKEN)."),
}


@tasks_app.command("list")
def list_tasks(
    agent: str = Common["agent"],
    session: str | None = typer.Option(None, "--session", help="Only this session (contextId)."),
    state: str | None = typer.Option(
        None, "--state", help=f"Only this state: {', '.join(STATES)}."
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=100),
    json_out: bool = typer.Option(False, "--json", help="Print the A2A ListTasksResponse."),
    namespace: str = Common["namespace"],
    server: str | None = Common["server"],
    token: str | None = Common["token"],
) -> None:
    """Your tasks on an agent, newest first."""
    if state is not None and state not in STATES:
        typer.echo(f"error: --state is one of {', '.join(STATES)}", err=True)
        raise typer.Exit(2)

    async def work() -> None:
        from a2a.types import ListTasksRequest, TaskState

        request = ListTasksRequest(context_id=session or "", page_size=limit)
        if state is not None:
            request.status = TaskState.Value(_state_name(state))
        async with _Agent(agent, namespace, server, token) as client:
            page = await client.list_tasks(request)
        if json_out:
            typer.echo(json.dumps(_json(page), indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("TASK", "STATE", "SESSION", "UPDATED", box=None)
        for task in page.tasks:
            when = task.status.timestamp.ToJsonString() if task.status.HasField("timestamp") else ""
            table.add_row(task.id, _short(task.status.state), task.context_id, when)
        Console().print(table)

    _run(work())


@tasks_app.command("get")
def get_task(
    agent: str = Common["agent"],
    task_id: str = Common["task_id"],
    json_out: bool = typer.Option(False, "--json", help="Print the A2A Task."),
    namespace: str = Common["namespace"],
    server: str | None = Common["server"],
    token: str | None = Common["token"],
) -> None:
    """A task's state and its last status message (the answer, once completed)."""

    async def work() -> None:
        from a2a.types import GetTaskRequest

        async with _Agent(agent, namespace, server, token) as client:
            task = await client.get_task(GetTaskRequest(id=task_id))
        if json_out:
            typer.echo(json.dumps(_json(task), indent=2))
            return
        _echo_task(task, session=True)

    _run(work())


@tasks_app.command("watch")
def watch_task(
    agent: str = Common["agent"],
    task_id: str = Common["task_id"],
    namespace: str = Common["namespace"],
    server: str | None = Common["server"],
    token: str | None = Common["token"],
) -> None:
    """Follow a running task (re-subscribe) until it finishes or waits for you."""

    async def work() -> None:
        from a2a.types import GetTaskRequest, SubscribeToTaskRequest, TaskState

        final = {TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED,
                 TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED}  # fmt: skip
        async with _Agent(agent, namespace, server, token) as client:
            task = await client.get_task(GetTaskRequest(id=task_id))
            if task.status.state not in final:
                async for event in client.subscribe(SubscribeToTaskRequest(id=task_id)):
                    if event.HasField("status_update"):
                        typer.echo(f"[{_short(event.status_update.status.state)}]")
                    elif event.HasField("artifact_update") and event.artifact_update.last_chunk:
                        parts = event.artifact_update.artifact.parts
                        typer.echo("".join(p.text for p in parts if p.HasField("text")))
                task = await client.get_task(GetTaskRequest(id=task_id))
        _echo_task(task)

    _run(work())


@tasks_app.command("cancel")
def cancel_task(
    agent: str = Common["agent"],
    task_id: str = Common["task_id"],
    namespace: str = Common["namespace"],
    server: str | None = Common["server"],
    token: str | None = Common["token"],
) -> None:
    """Cancel a running or paused task."""

    async def work() -> None:
        from a2a.types import CancelTaskRequest

        async with _Agent(agent, namespace, server, token) as client:
            task = await client.cancel_task(CancelTaskRequest(id=task_id))
        _echo_task(task, text=False)

    _run(work())
