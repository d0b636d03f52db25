"""The memory tools the model sees: save_memory and load_memory (bosun.runtime.memory).

A failure of the store or the embedding model is returned to the model as a message it can
read (and tell the user about), never raised: a turn does not fail because memory did.
"""

from __future__ import annotations

from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.toolsets import FunctionToolset

from bosun.runtime.credential import USER_HEADER
from bosun.runtime.deps import TurnDeps
from bosun.runtime.memory import MemoryService


def _user(ctx: RunContext[TurnDeps]) -> str | None:
    return (ctx.deps.request_headers or {}).get(USER_HEADER)


def memory_toolset(memory: MemoryService) -> FunctionToolset[TurnDeps]:
    toolset: FunctionToolset[TurnDeps] = FunctionToolset()

    @toolset.tool
    async def save_memory(ctx: RunContext[TurnDeps], content: str) -> str:
        """Remember a fact about the user or their work for later conversations (a short,
        self-contained sentence, e.g. "The user's production cluster is called atlas")."""
        try:
            await memory.save(_user(ctx), content)
        except Exception as exc:
            return f"The memory was not saved: {exc}"
        return "Saved to long-term memory."

    @toolset.tool
    async def load_memory(ctx: RunContext[TurnDeps], query: str) -> list[dict[str, Any]] | str:
        """Search what you saved in earlier conversations with this user; returns the
        closest memories, best first."""
        try:
            found = await memory.search(_user(ctx), query)
        except Exception as exc:
            return f"Memory could not be searched: {exc}"
        if not found:
            return "No memories match."
        return [
            {"content": m["content"], "score": round(float(m.get("score") or 0), 3)} for m in found
        ]

    return toolset
