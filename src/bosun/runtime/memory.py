"""Long-term memory of an agent, per user: save, semantic search, and prefetch into a turn.

Built by `bosun.runtime.engine.build_engine` when config.json has `memory`. The user is
the `X-Bosun-User` header of the A2A request (set by the control plane's proxy); a call
without it (an agent reached directly) uses the anonymous user "". One user's memories
never reach another: every save and search names the user, and the store filters on it.

- tools (toolsets/memory.py): `save_memory(content)` and `load_memory(query)`;
- prefetch: before each model request of a turn, the PREFETCH_LIMIT memories nearest to
  the user's prompt (similarity at least MIN_SCORE) are added to the instructions, so the
  model sees them without a tool call. Computed once per run, not once per request, and
  not stored in the session history.
- TTL: `memory.ttl_days` sets each memory's expiry; expired memories are never returned
  and are deleted by the store.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bosun.api.config import MemorySettings
from bosun.runtime.credential import USER_HEADER
from bosun.runtime.memory_embed import Embedder, build_embedder
from bosun.runtime.memory_store import MemoryBackend, open_memories

log = logging.getLogger("bosun.runtime")

PREFETCH_LIMIT = 3
MIN_SCORE = 0.25
"""Cosine similarity below which a prefetched memory is left out as unrelated."""
MAX_MEMORY_CHARS = 4000
PREFETCH_HEADER = (
    "Long-term memory: what you saved earlier about this user that may bear on their "
    "message (use load_memory to search for more, save_memory to remember something new):"
)


@dataclass
class MemoryService:
    embedder: Embedder
    backend: MemoryBackend
    ttl_days: int | None = None
    _prefetched: OrderedDict[str, str | None] = field(default_factory=OrderedDict)

    async def _vector(self, text: str) -> list[float] | None:
        vector = (await self.embedder.embed([text]))[0]
        return vector if any(vector) else None  # a text without words has no direction

    async def save(self, user: str | None, content: str) -> dict[str, Any]:
        content = content.strip()
        if not content:
            raise ValueError("nothing to save: the memory is empty")
        if len(content) > MAX_MEMORY_CHARS:
            raise ValueError(f"a memory may have at most {MAX_MEMORY_CHARS} characters")
        vector = await self._vector(content)
        if vector is None:
            raise ValueError("nothing to save: the memory has no words")
        return await self.backend.add(user, content, vector, self.ttl_days)

    async def search(self, user: str | None, query: str, limit: int = 5) -> list[dict[str, Any]]:
        vector = await self._vector(query)
        if vector is None:
            return []
        return await self.backend.search(user, vector, max(1, min(limit, 20)))

    async def prefetch(self, user: str | None, prompt: str) -> str | None:
        """The instructions block for a prompt, or None when nothing relevant is stored."""
        if not prompt.strip():
            return None
        try:
            found = await self.search(user, prompt, PREFETCH_LIMIT)
        except Exception as exc:  # memory is a help; a turn does not fail for it
            log.warning("memory prefetch failed: %s", exc)
            return None
        lines = [f"- {m['content']}" for m in found if float(m.get("score") or 0) >= MIN_SCORE]
        return "\n".join([PREFETCH_HEADER, *lines]) if lines else None

    async def instructions(self, ctx: Any) -> str | None:
        """pydantic-ai dynamic instructions: the prefetched memories of this run."""
        key = str(getattr(ctx, "run_id", None) or id(ctx))
        if key in self._prefetched:
            return self._prefetched[key]
        headers = getattr(ctx.deps, "request_headers", {}) or {}
        text = await self.prefetch(headers.get(USER_HEADER), prompt_text(ctx.prompt))
        self._prefetched[key] = text
        while len(self._prefetched) > 256:
            self._prefetched.popitem(last=False)
        return text

    async def close(self) -> None:
        await self.backend.close()


def prompt_text(prompt: str | Sequence[Any] | None) -> str:
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(p for p in prompt if isinstance(p, str))


def build_memory(
    settings: MemorySettings, *, agent: str, data_dir: Path | None = None
) -> MemoryService:
    return MemoryService(
        embedder=build_embedder(settings.model),
        backend=open_memories(agent=agent, data_dir=data_dir),
        ttl_days=settings.ttl_days,
    )
