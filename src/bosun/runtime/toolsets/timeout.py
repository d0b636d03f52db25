"""A time limit per tool call: a call that takes too long fails with a message the model reads.

Wraps any toolset. The MCP server settings give the limit (`timeout` in config.json); the
model gets a failed tool result instead of the turn hanging, and the slow call is
cancelled.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.exceptions import ToolFailed
from pydantic_ai.toolsets import WrapperToolset
from pydantic_ai.toolsets.abstract import ToolsetTool


@dataclass
class TimeoutToolset(WrapperToolset[Any]):
    seconds: float = 30.0

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        try:
            async with asyncio.timeout(self.seconds):
                return await super().call_tool(name, tool_args, ctx, tool)
        except TimeoutError:
            raise ToolFailed(
                f"The tool {name!r} did not finish within {self.seconds:g} seconds and was "
                "stopped. Tell the user, or try a smaller request."
            ) from None
