"""The loop of `bosun chat`: read a line, stream the agent's turn, ask what it asks, repeat.

Called by invoke.py. One A2A session (contextId) for the whole chat unless /new.
"""

from __future__ import annotations

import asyncio
import os

from rich.console import Console
from rich.prompt import Prompt

from bosun.cli.a2a_session import AgentUnavailable, Conversation, Paused, agent_ref
from bosun.cli.invoke_render import Renderer, ask
from bosun.cli.restclient import TOKEN_ENV, default_server


async def run_chat(
    agent: str,
    namespace: str,
    *,
    session: str | None,
    server: str | None,
    token: str | None,
) -> int:
    console = Console(highlight=False)
    renderer = Renderer(console)
    ns, name = agent_ref(agent, namespace)
    context_id = session
    console.print(f"[bold]chat with {ns}/{name}[/]  (/new: new session, /exit or Ctrl-D: leave)")
    while True:
        try:
            line = await asyncio.to_thread(Prompt.ask, "[bold cyan]you[/]", console=console)
        except EOFError:
            console.print()
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/exit", "/quit"):
            return 0
        if text == "/new":
            context_id = None
            console.print("[dim]new session[/]")
            continue
        try:
            async with Conversation(
                server or default_server(),
                ns,
                name,
                token=token or os.environ.get(TOKEN_ENV),
                context_id=context_id,
            ) as conv:
                context_id = conv.context_id
                stream = conv.send_text(text)
                while True:
                    paused: Paused | None = None
                    async for event in stream:
                        renderer.show(event)
                        if isinstance(event, Paused):
                            paused = event
                    if paused is None:
                        break
                    decisions, answers = await asyncio.to_thread(ask, console, paused)
                    stream = conv.answer(paused.task_id, decisions, answers)
        except AgentUnavailable as exc:
            console.print(f"[red]error:[/] {exc}")
