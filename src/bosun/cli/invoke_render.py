"""Drawing a conversation in the terminal, and asking the user to approve or answer.

Used by `bosun invoke` / `bosun chat` (invoke.py). The answer streams as plain text; tool
calls and results are dim lines as they happen (a sub-agent's indented under its name);
a pause lists each pending call and asks y/n (and a reason when rejecting), or asks the
questions of `ask_user` (numbered choices, or free text).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm, Prompt

from bosun.cli.a2a_session import Event, Finished, ModelText, Paused, TextDelta, ToolEvent
from bosun.runtime.protocol import Decision, InputRequest, read

MAX_SHOWN = 300


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


class Renderer:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.mid_line = False  # streamed text without its final newline yet

    def _line(self, markup: str) -> None:
        if self.mid_line:
            self.console.print()
            self.mid_line = False
        self.console.print(markup, highlight=False)

    def show(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self.console.print(event.text, end="", markup=False, highlight=False)
            self.mid_line = not event.text.endswith("\n")
        elif isinstance(event, ModelText):
            self._line(f"[italic]{escape(event.text)}[/]")
        elif isinstance(event, ToolEvent):
            self._tool(event.data)
        elif isinstance(event, Paused):
            self._line("[yellow]⏸ waiting for you[/]")
        elif isinstance(event, Finished):
            self.finish(event)

    def _tool(self, data: dict[str, Any]) -> None:
        agent = data.get("agent")
        pad = "    " if agent else ""
        who = f"[magenta]{escape(str(agent))}[/] " if agent else ""
        name = escape(str(data.get("name")))
        if data.get("type") == "tool_call":
            verb = "needs approval:" if data.get("status") == "pending" else "calling"
            args = escape(_short(data.get("arguments") or {}))
            self._line(f"{pad}[dim]⚙ {who}{verb} [bold]{name}[/bold] {args}[/]")
            return
        status = data.get("status")
        if status == "success":
            self._line(f"{pad}[dim]✔ {who}{name} → {escape(_short(data.get('result')))}[/]")
        else:
            icon = "⊘" if status == "denied" else "✘"
            self._line(f"{pad}[red]{icon} {who}{name}: {escape(_short(data.get('error')))}[/]")

    def finish(self, event: Finished) -> None:
        if self.mid_line:
            self.console.print()
            self.mid_line = False
        if event.state != "completed":
            self.console.print(f"[red]{event.state}:[/] {escape(event.answer)}", highlight=False)
            return
        usage = event.usage
        if usage:
            tokens = (
                f"tokens in {read(usage, 'inputTokens', 0)} / out {read(usage, 'outputTokens', 0)}"
            )
            self.console.print(f"[dim]{tokens}[/]")


def ask(console: Console, paused: Paused) -> tuple[dict[str, Decision], dict[str, str | list[str]]]:
    """Prompt for every pending request; decisions and answers to send back."""
    decisions: dict[str, Decision] = {}
    answers: dict[str, str | list[str]] = {}
    for request in paused.requests:
        if request.kind == "approval":
            decisions[request.id] = _approve(console, request)
        else:
            answers[request.id] = _answer(console, request)
    return decisions, answers


def _approve(console: Console, request: InputRequest) -> Decision:
    where = f" (asked by agent {request.agent})" if request.agent else ""
    args = json.dumps(request.arguments, ensure_ascii=False, indent=2)
    console.print(f"[yellow]Approve [bold]{escape(request.tool)}[/bold]{escape(where)}?[/]")
    console.print(escape(args), highlight=False)
    if Confirm.ask("approve", console=console, default=True):
        return Decision(approved=True)
    reason = Prompt.ask("reason (optional)", console=console, default="", show_default=False)
    reason = reason.strip()
    return Decision(approved=False, reason=reason or None)


def _answer(console: Console, request: InputRequest) -> str | list[str]:
    where = f" (agent {request.agent})" if request.agent else ""
    replies: list[str | list[str]] = []
    for question in request.questions or []:
        console.print(f"[yellow]?{escape(where)}[/] {escape(str(question.get('question', '')))}")
        choices = [str(c) for c in question.get("choices") or []]
        if not choices:
            replies.append(Prompt.ask("answer", console=console))
            continue
        for i, choice in enumerate(choices, 1):
            console.print(f"  {i}. {escape(choice)}")
        picked = _pick(console, choices, multiple=bool(question.get("multiple")))
        replies.append(picked)
    if len(replies) == 1:
        return replies[0]
    return [r if isinstance(r, str) else ", ".join(r) for r in replies]


def _pick(console: Console, choices: list[str], *, multiple: bool) -> str | list[str]:
    hint = "numbers separated by commas" if multiple else "number"
    while True:
        raw = Prompt.ask(f"choice ({hint}, or text)", console=console).strip()
        numbers = [p.strip() for p in raw.split(",") if p.strip()]
        if numbers and all(n.isdigit() and 1 <= int(n) <= len(choices) for n in numbers):
            picked = [choices[int(n) - 1] for n in numbers]
            if multiple:
                return picked
            if len(picked) == 1:
                return picked[0]
        elif raw:
            return raw
        console.print("[red]pick one of the numbers[/]")
