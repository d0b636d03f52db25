"""The default approval policy for the built-in tool server, in the agent runtime's MCP
toolset: with `require_approval_for_destructive`, a call to a tool whose annotations do not
say read-only or non-destructive ends the run for approval (ApprovalRequired) unless it is
the approved resumption; other tools go through to the server."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from mcp.types import Tool, ToolAnnotations
from pydantic_ai.exceptions import ApprovalRequired, ToolFailed

from bosun.api.config import McpServerSettings
from bosun.runtime.toolsets.mcp import McpServerTools

TOOLS = [
    Tool(name="k8s_get_resources", input_schema={"type": "object"},
         annotations=ToolAnnotations(read_only_hint=True, destructive_hint=False)),
    Tool(name="k8s_create_resource", input_schema={"type": "object"},
         annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False)),
    Tool(name="k8s_delete_resource", input_schema={"type": "object"},
         annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True)),
    Tool(name="unannotated", input_schema={"type": "object"}),
]  # fmt: skip


def toolset(policy: bool | None) -> McpServerTools:
    # Port 9 (discard) on loopback: nothing answers, so a call that gets through fails fast.
    settings = McpServerSettings(
        name="kagent/kagent-tool-server",
        url="http://127.0.0.1:9/mcp",
        timeout=2.0,
        require_approval_for_destructive=policy,
    )
    tools = McpServerTools(settings)
    tools._tools = list(TOOLS)
    return tools


async def call(tools: McpServerTools, name: str, approved: bool = False) -> Any:
    ctx: Any = SimpleNamespace(tool_call_approved=approved, deps=None)
    return await tools.call_tool(name, {}, ctx, tool=None)  # type: ignore[arg-type]


async def test_destructive_and_unannotated_tools_pause_for_approval() -> None:
    tools = toolset(True)
    assert [t.name for t in TOOLS if tools.is_destructive(t.name)] == [
        "k8s_delete_resource",
        "unannotated",
    ]
    for name in ("k8s_delete_resource", "unannotated"):
        with pytest.raises(ApprovalRequired):
            await call(tools, name)


@pytest.mark.parametrize(
    ("policy", "name", "approved"),
    [
        (True, "k8s_get_resources", False),
        (True, "k8s_create_resource", False),
        (True, "k8s_delete_resource", True),  # the approved resumption runs the call
        (None, "k8s_delete_resource", False),  # not a trusted server: no default
    ],
)
async def test_other_calls_go_to_the_server(policy: bool | None, name: str, approved: bool) -> None:
    with pytest.raises(ToolFailed, match="could not complete the call"):
        await call(toolset(policy), name, approved)
