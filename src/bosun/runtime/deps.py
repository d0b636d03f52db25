"""What a tool can reach during a turn: the ids of the task and session, and the caller.

Built by the executor for each turn and handed to the engine as the run's `deps`; read by
tools through `ctx.deps` (the remote-agent tool streams a sub-agent's progress with
`emit`). Keeping it a small dataclass keeps tools independent of A2A.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Emit = Callable[[Mapping[str, Any]], Awaitable[None]]


async def _drop(_: Mapping[str, Any]) -> None:
    return None


@dataclass
class TurnDeps:
    context_id: str = ""
    task_id: str = ""
    emit: Emit = _drop
    """Send a progress DataPart (a dict in bosun.runtime.protocol's shapes) to the caller."""
    request_headers: Mapping[str, str] = field(default_factory=dict)
    """Headers of the A2A request that started the turn (for MCP `allowed_headers`)."""
