"""What `bosun up` shows: live progress while workloads start, then a summary with URLs.

Reads the supervisor's workloads in-process (no HTTP): kind, name, Ready condition. Rich
draws a live table on a terminal; without one (tests, CI, pipes) one line per change.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from bosun.controller.local.readiness import ready_condition
from bosun.controller.local.supervisor import LocalSupervisor

SETTLED_REASONS = ("ProcessReady", "ConfigError", "NotAccepted", "NotSupportedLocally")


@dataclass(frozen=True)
class Row:
    kind: str
    namespace: str
    name: str
    status: str  # True / False
    reason: str
    message: str

    @property
    def settled(self) -> bool:
        return self.reason in SETTLED_REASONS


def rows(supervisor: LocalSupervisor) -> list[Row]:
    out: list[Row] = []
    for (kind, namespace, name), workload in sorted(supervisor.workloads.items()):
        cond: dict[str, Any] = ready_condition(workload)
        if workload.plan.accepted.get("status") == "False" and workload.process is None:
            cond = {**workload.plan.accepted, "reason": "NotAccepted"}
        out.append(
            Row(kind, namespace, name, cond["status"], cond["reason"], cond.get("message", ""))
        )
    return out


def _table(current: list[Row], proxy: str, elapsed: float) -> Table:
    table = Table(box=None, title=f"starting workloads ({elapsed:.0f}s)", title_justify="left")
    _columns(table)
    for row in current:
        icon = "[green]✔[/]" if row.status == "True" else ("[red]✘[/]" if row.settled else "…")
        detail = _detail(row, proxy)
        table.add_row(row.kind, f"{row.namespace}/{row.name}", icon, detail)
    return table


def _columns(table: Table) -> None:
    for header in ("KIND", "NAME", "READY"):
        table.add_column(header, no_wrap=True)
    table.add_column("DETAIL", overflow="fold")  # URLs wrap rather than being cut


def _detail(row: Row, proxy: str) -> str:
    if row.status == "True" and row.kind == "Agent":
        return f"{proxy}/api/a2a/{row.namespace}/{row.name}"
    if row.status == "True":
        return row.message
    return f"{row.reason}: {row.message}"


async def wait_for_workloads(
    supervisor: LocalSupervisor, console: Console, proxy: str, *, within: float
) -> list[Row]:
    """Show progress until every workload is settled (Ready or failed for good) or time is up."""
    started = time.monotonic()
    await asyncio.wait_for(supervisor.reconciled.wait(), timeout=within)
    if console.is_terminal:
        with Live(console=console, refresh_per_second=8, transient=True) as live:
            while True:
                current = rows(supervisor)
                elapsed = time.monotonic() - started
                live.update(_table(current, proxy, elapsed))
                if all(r.settled for r in current) or elapsed > within:
                    return current
                await asyncio.sleep(0.125)
    seen: dict[tuple[str, str, str], str] = {}
    while True:
        current = rows(supervisor)
        for row in current:
            key = (row.kind, row.namespace, row.name)
            state = f"{row.status} {row.reason}"
            if seen.get(key) != state:
                seen[key] = state
                console.print(f"  {row.kind} {row.namespace}/{row.name}: {row.reason}")
        if all(r.settled for r in current) or time.monotonic() - started > within:
            return current
        await asyncio.sleep(0.125)


def summary(
    console: Console,
    current: list[Row],
    *,
    proxy: str,
    lines: list[tuple[str, str]],
) -> None:
    console.print("[bold]Bosun is running[/] (local mode)")
    for label, value in lines:
        console.print(f"  {label:<14} {value}")
    console.print()
    table = Table(box=None)
    _columns(table)
    for row in current:
        ready = "[green]True[/]" if row.status == "True" else "[red]False[/]"
        table.add_row(row.kind, f"{row.namespace}/{row.name}", ready, _detail(row, proxy))
    if current:
        console.print(table)
    else:
        console.print("  no agents yet: bosun apply -f FILE")
    agents = [r for r in current if r.kind == "Agent" and r.status == "True"]
    console.print()
    console.print("Try:")
    console.print("  bosun get agents")
    if agents:
        first = agents[0]
        console.print(f'  bosun invoke {first.name} "What can you do?"')
        console.print(f"  bosun chat {agents[-1].name}")
    console.print("Ctrl-C stops everything.")
