"""Tool output truncated at a configurable size, with a marker the model (and a person) sees.

Wraps any toolset (`engine` puts it outermost). A huge tool result (a log dump, a full
`kubectl get -o yaml`) would otherwise fill the context window and cost tokens on every
later turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.toolsets import WrapperToolset
from pydantic_ai.toolsets.abstract import ToolsetTool

from bosun.runtime.protocol import as_text

DEFAULT_MAX_CHARS = 50_000


def truncate(text: str, max_chars: int) -> str:
    """`text` cut to `max_chars` characters plus a marker saying how much was dropped."""
    if len(text) <= max_chars:
        return text
    return (
        text[:max_chars]
        + f"\n…[output truncated by Bosun: {max_chars} of {len(text)} characters shown]"
    )


@dataclass
class TruncatingToolset(WrapperToolset[Any]):
    max_chars: int = DEFAULT_MAX_CHARS

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        result = await super().call_tool(name, tool_args, ctx, tool)
        if isinstance(result, str):
            return truncate(result, self.max_chars)
        if isinstance(result, dict | list):
            text = as_text(result)
            if len(text) > self.max_chars:
                return truncate(text, self.max_chars)
        return result
