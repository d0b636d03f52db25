"""One Agent or MCPServer as it runs locally, and the check that says whether it is Ready.

Owned by the supervisor (one `Workload` per translated resource); `readiness.py` turns its
state into the Ready condition.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bosun.controller.local.mirror import ObjKey
from bosun.controller.local.plans import Plan
from bosun.controller.local.process import SupervisedProcess

if TYPE_CHECKING:
    import httpx


@dataclass
class Workload:
    plan: Plan
    run_dir: Path
    log_path: Path
    process: SupervisedProcess | None = None
    config_hash: str = ""
    blocked: tuple[str, str] | None = None  # (reason, message) when it cannot run
    ready: bool = False
    probe_error: str = "not started yet"
    tools: list[dict[str, Any]] | None = None  # discovered (MCP servers)
    tools_task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def key(self) -> ObjKey:
        return self.plan.key

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state == "running"


async def probe(workload: Workload, client: httpx.AsyncClient) -> bool:
    """Check the workload once; True when its readiness changed."""
    from bosun.controller.local.probe import answers_http, answers_ok, serves_agent_card

    if workload.key[0] == "Agent":
        error = await serves_agent_card(client, workload.plan.url)
    elif workload.plan.health_url:
        error = await answers_ok(client, workload.plan.health_url)
    else:
        error = await answers_http(client, workload.plan.url)
    ready = error is None and workload.running
    workload.probe_error = error or ""
    if ready == workload.ready:
        return False
    workload.ready = ready
    return True
