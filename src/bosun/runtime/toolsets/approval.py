"""Human approval for named tools: calls to them pause the turn instead of running.

Wraps a toolset with pydantic-ai's ApprovalRequiredToolset. A call it stops ends the run
with DeferredToolRequests; the executor turns that into an A2A `input-required` task and
resumes with ToolApproved/ToolDenied built only from the user's decisions on that task
(see `bosun.runtime.pending`). A call counts as approved only through that resume path:
`ctx.tool_call_approved` is set by the engine, never by the model or a tool result.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.toolsets.approval_required import ApprovalRequiredToolset


def require_approval(toolset: AbstractToolset[Any], names: Collection[str]) -> AbstractToolset[Any]:
    """`toolset` with calls to the tools in `names` requiring approval (unchanged if none)."""
    if not names:
        return toolset
    wanted = frozenset(names)
    return ApprovalRequiredToolset(
        toolset, approval_required_func=lambda ctx, tool_def, args: tool_def.name in wanted
    )
