"""`bosun invoke AGENT "task"` and `bosun chat AGENT`: talk to an agent from the terminal.

Registered by bosun.cli.main. Both go through the control plane's A2A proxy
(`{server}/api/a2a/{namespace}/{name}`) with the official a2a-sdk client (a2a_session.py),
so they work against `bosun up` and a cluster alike. The answer streams live; tool calls
show as they happen; an approval or an `ask_user` question is asked inline
(invoke_render.py). For scripts, `--json` prints one JSON object and never prompts: a
paused task is reported (exit code 3) and answered by a second call with --task and
--approve/--reject/--answer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

SERVER_HELP = "Control plane URL (env BOSUN_SERVER; default http://127.0.0.1:8083)."
EXIT_PAUSED = 3


def register(app: typer.Typer) -> None:
    app.command("invoke")(invoke)
    app.command("chat")(chat)


def invoke(
    agent: str = typer.Argument(..., help="NAME or NAMESPACE/NAME of the agent."),
    task: str | None = typer.Argument(None, help="What to ask (omit with --task)."),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    session: str | None = typer.Option(None, "--session", help="Continue this session."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object; never prompt."),
    task_id: str | None = typer.Option(None, "--task", help="Answer this paused task."),
    approve: list[str] = typer.Option([], "--approve", help="Approve call ID ('all' for all)."),
    reject: list[str] = typer.Option([], "--reject", help="Reject call ID[:reason]."),
    answer: list[str] = typer.Option([], "--answer", help="Answer question ID=TEXT."),
    server: str | None = typer.Option(None, "--server", "-s", help=SERVER_HELP),
    token: str | None = typer.Option(None, "--token", help="Bearer token (env BOSUN_TOKEN)."),
    save_files: Path | None = typer.Option(
        None, "--save-files", help="Save the files the agent returns into this directory."
    ),
) -> None:
    """Send one task to an agent and print its answer as it streams."""
    import asyncio

    if (task is None) == (task_id is None):
        _fail("give either a task or --task ID (with --approve/--reject/--answer)")
    if task_id and not session:
        _fail("--task needs --session (the session the task belongs to)")
    code = asyncio.run(
        _invoke(
            agent,
            task,
            namespace=namespace,
            session=session,
            json_out=json_out,
            task_id=task_id,
            replies=(approve, reject, answer),
            server=server,
            token=token,
            save_files=save_files,
        )
    )
    raise typer.Exit(code)


def _width() -> int | None:
    """Rich's width: the terminal's, or wide enough not to wrap ids when piped."""
    return None if sys.stdout.isatty() else 200


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _replies(approve: list[str], reject: list[str], answer: list[str], pending: Any) -> Any:
    from bosun.runtime.protocol import Decision

    decisions: dict[str, Decision] = {}
    if "all" in approve:
        approve = [r.id for r in pending or []] or approve
    for call_id in approve:
        decisions[call_id] = Decision(approved=True)
    for item in reject:
        call_id, _, reason = item.partition(":")
        decisions[call_id] = Decision(approved=False, reason=reason or None)
    answers: dict[str, str | list[str]] = {}
    for item in answer:
        call_id, _, text = item.partition("=")
        answers[call_id] = text
    return decisions, answers


async def _invoke(
    agent: str,
    task: str | None,
    *,
    namespace: str,
    session: str | None,
    json_out: bool,
    task_id: str | None,
    replies: tuple[list[str], list[str], list[str]],
    server: str | None,
    token: str | None,
    save_files: Path | None = None,
) -> int:
    import asyncio
    import os

    from rich.console import Console

    from bosun.cli.a2a_session import (
        AgentUnavailable,
        Conversation,
        Finished,
        Paused,
        ToolEvent,
        agent_ref,
    )
    from bosun.cli.invoke_render import Renderer, ask
    from bosun.cli.restclient import TOKEN_ENV, default_server

    console = Console(stderr=json_out, highlight=False, width=_width())
    renderer = Renderer(console)
    interactive = not json_out and sys.stdin.isatty()
    ns, name = agent_ref(agent, namespace)
    tools: list[dict[str, Any]] = []
    last: Finished | Paused | None = None
    try:
        async with Conversation(
            server or default_server(),
            ns,
            name,
            token=token or os.environ.get(TOKEN_ENV),
            context_id=session,
        ) as conv:
            if task_id:
                pending = await conv.pending(task_id) if "all" in replies[0] else None
                decisions, answers = _replies(*replies, pending=pending)
                stream = conv.answer(task_id, decisions, answers)
            else:
                assert task is not None
                stream = conv.send_text(task)
            while True:
                paused: Paused | None = None
                async for event in stream:
                    if isinstance(event, ToolEvent):
                        tools.append(event.data)
                    if isinstance(event, Paused | Finished):
                        last = event
                    if isinstance(event, Paused):
                        paused = event
                    if not json_out:
                        renderer.show(event)
                if paused is None or not interactive:
                    break
                decisions, answers = await asyncio.to_thread(ask, console, paused)
                stream = conv.answer(paused.task_id, decisions, answers)
            context_id = conv.context_id
        if save_files is not None and last is not None:
            from bosun.cli.invoke_files import save_task_files

            saved, problem = await save_task_files(
                server or default_server(), ns, name, last.task_id, save_files,
                token=token or os.environ.get(TOKEN_ENV),
            )  # fmt: skip
            for path in saved:
                console.print(f"[dim]saved {path}[/]")
            if problem:
                console.print(f"[red]error:[/] {problem}")
    except AgentUnavailable as exc:
        if json_out:
            print(json.dumps({"state": "unavailable", "error": str(exc)}))
        else:
            console.print(f"[red]error:[/] {exc}")
        return 1
    return _report(console, last, tools, context_id, ns, name, json_out=json_out)


def _report(
    console: Any,
    last: Any,
    tools: list[dict[str, Any]],
    context_id: str,
    ns: str,
    name: str,
    *,
    json_out: bool,
) -> int:
    from bosun.cli.a2a_session import Paused

    if isinstance(last, Paused):
        state, code = "input-required", EXIT_PAUSED
    else:
        state = last.state if last is not None else "failed"
        code = 0 if state == "completed" else 1
    if json_out:
        out: dict[str, Any] = {
            "agent": f"{ns}/{name}",
            "session": context_id,
            "task": last.task_id if last is not None else "",
            "state": state,
            "tool_events": tools,
        }
        if isinstance(last, Paused):
            out["input_required"] = [r.to_json() for r in last.requests]
        elif last is not None:
            out["answer"] = last.answer
            out["usage"] = last.usage
        print(json.dumps(out, ensure_ascii=False))
        return code
    if isinstance(last, Paused):
        ids = " ".join(f"--approve {r.id}" for r in last.requests if r.kind == "approval")
        console.print(
            f"[yellow]paused:[/] answer with: bosun invoke {ns}/{name} --session {context_id} "
            f"--task {last.task_id} {ids}"
        )
    console.print(f"[dim]session {context_id} (continue with --session {context_id})[/]")
    return code


def chat(
    agent: str = typer.Argument(..., help="NAME or NAMESPACE/NAME of the agent."),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    session: str | None = typer.Option(None, "--session", help="Continue this session."),
    server: str | None = typer.Option(None, "--server", "-s", help=SERVER_HELP),
    token: str | None = typer.Option(None, "--token", help="Bearer token (env BOSUN_TOKEN)."),
) -> None:
    """Chat with an agent: one session, answers streamed, approvals asked inline.

    /new starts a new session, /exit (or Ctrl-D) leaves."""
    import asyncio

    from bosun.cli.invoke_chat import run_chat

    try:
        code = asyncio.run(run_chat(agent, namespace, session=session, server=server, token=token))
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
