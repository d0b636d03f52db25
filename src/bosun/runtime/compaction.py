"""Context compaction: older turns of a long session are summarised by a model.

Scheduled by the executor after each turn (in the background, under the session's lock,
so the answer is not delayed). Per config.json's `compaction`:

- `compaction_interval`: compact once this many turns accumulated since the last summary;
- `token_threshold`: compact when the last model request's input tokens reached it;
- `overlap_size`: the most recent turns kept verbatim (default 1);
- `summarizer_model` / `summarizer_prompt`: which model writes the summary (default: the
  agent's own model) and how.

The summary is stored as a session event (bosun.runtime.sessions), so the cut survives a
restart and each later turn sends the summary plus the recent turns, not the whole past.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from pydantic_ai import Agent
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from bosun.api.config import CompactionSettings
from bosun.runtime.models import build_model
from bosun.runtime.protocol import as_text
from bosun.runtime.sessions import SUMMARY_PREFIX, Sessions
from bosun.runtime.toolsets.truncation import truncate

log = logging.getLogger("bosun.runtime.compaction")

DEFAULT_PROMPT = (
    "You compact a conversation between a user and an AI agent that uses tools. Write a "
    "concise summary that keeps every fact, decision, open question, name, identifier and "
    "result the agent may need later. Leave out pleasantries. Answer with the summary only."
)
_TOOL_TEXT = 2000  # characters of each tool result shown to the summariser


def is_turn_start(message: ModelMessage) -> bool:
    """A request that starts a user turn (not tool results, not a stored summary)."""
    if not isinstance(message, ModelRequest):
        return False
    return any(
        isinstance(p, UserPromptPart)
        and not (isinstance(p.content, str) and p.content.startswith(SUMMARY_PREFIX))
        for p in message.parts
    )


def turn_starts(messages: Sequence[ModelMessage]) -> list[int]:
    return [i for i, m in enumerate(messages) if is_turn_start(m)]


def last_input_tokens(messages: Sequence[ModelMessage]) -> int:
    for message in reversed(messages):
        if isinstance(message, ModelResponse):
            return message.usage.input_tokens
    return 0


def compaction_cut(messages: Sequence[ModelMessage], settings: CompactionSettings) -> int:
    """How many leading messages to summarise now (0: not yet)."""
    starts = turn_starts(messages)
    keep = max(1, settings.overlap_size or 1)
    if len(starts) <= keep:
        return 0
    due = bool(settings.compaction_interval) and len(starts) >= (settings.compaction_interval or 0)
    if settings.token_threshold and last_input_tokens(messages) >= settings.token_threshold:
        due = True
    return starts[-keep] if due else 0


def transcript(messages: Sequence[ModelMessage]) -> str:
    """The messages as plain text for the summariser."""
    lines: list[str] = []
    for message in messages:
        for part in message.parts:
            if isinstance(part, UserPromptPart):
                content = part.content
                lines.append(f"User: {content if isinstance(content, str) else repr(content)}")
            elif isinstance(part, TextPart):
                lines.append(f"Agent: {part.content}")
            elif isinstance(part, ToolCallPart):
                lines.append(f"Agent called {part.tool_name}({part.args_as_json_str()})")
            elif isinstance(part, ToolReturnPart):
                lines.append(
                    f"Result of {part.tool_name}: {truncate(as_text(part.content), _TOOL_TEXT)}"
                )
    return "\n".join(lines)


class Compactor:
    def __init__(
        self, settings: CompactionSettings, sessions: Sessions, default_model: Any
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        model = (
            build_model(settings.summarizer_model) if settings.summarizer_model else default_model
        )
        self._agent: Agent[None, str] = Agent(
            model, instructions=settings.summarizer_prompt or DEFAULT_PROMPT, name="compaction"
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(self, session_id: str) -> None:
        task = asyncio.create_task(
            self._compact_quietly(session_id), name=f"compaction {session_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _compact_quietly(self, session_id: str) -> None:
        try:
            await self.compact(session_id)
        except Exception as exc:  # a background task must not die silently
            log.warning("session %s: compaction failed: %s", session_id, exc)

    async def compact(self, session_id: str) -> bool:
        """Summarise the session's older turns if they are due. Returns whether it did."""
        async with self.sessions.lock(session_id):
            messages = await self.sessions.history(session_id)
            cut = compaction_cut(messages, self.settings)
            if cut <= 0:
                return False
            try:
                result = await self._agent.run(
                    "Summarise this conversation:\n\n" + transcript(messages[:cut])
                )
            except Exception as exc:  # the session keeps working uncompacted
                log.warning("session %s: compaction failed: %s", session_id, exc)
                return False
            await self.sessions.append_compaction(session_id, result.output, cut)
            log.info("session %s: %d messages compacted", session_id, cut)
            return True

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
