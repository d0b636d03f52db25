"""How a built-in tool is declared: its name, function and MCP annotations.

Each tool group (k8s_read, k8s_write, k8s_workloads, helm, prometheus) returns a list of
`ToolSpec`; `register` adds them to the MCP server, leaving out the tools that are not
read-only when the server runs with `--read-only`. The annotations are what clients
(and Bosun's own runtime, for its default approval policy) see: `destructiveHint=true`
marks a tool that may delete or overwrite something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_types import ToolAnnotations

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
"""Reads only; safe to call any number of times."""
READ_OPEN = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)
"""Reads only, but reaches outside the cluster API (a Service, a Prometheus server)."""
ADD = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)
"""Adds something new; never overwrites or removes."""
ADD_IDEMPOTENT = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)
"""Adds or refreshes something; repeating it changes nothing more."""
CHANGE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True)
"""May overwrite or remove; repeating the same call changes nothing more."""
CHANGE_AGAIN = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False)
"""May overwrite or remove, and each call acts again (restart, exec, upgrade)."""


@dataclass(frozen=True)
class ToolSpec:
    name: str
    function: Callable[..., Any]
    annotations: ToolAnnotations

    @property
    def read_only(self) -> bool:
        return self.annotations.read_only_hint is True


def register(server: MCPServer, specs: list[ToolSpec], *, read_only: bool) -> list[str]:
    """Add the tools to `server` (only read-only ones if `read_only`); return their names."""
    names = []
    for spec in specs:
        if read_only and not spec.read_only:
            continue
        server.add_tool(
            spec.function, name=spec.name, annotations=spec.annotations, structured_output=False
        )
        names.append(spec.name)
    return names
