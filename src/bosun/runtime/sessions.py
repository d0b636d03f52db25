"""Sessions: an A2A contextId's conversation history, kept as events in a backend.

The executor reads a session's history before a turn and appends the turn's new engine
messages after it; compaction (`bosun.runtime.compaction`) appends a summary event. The
history is rebuilt from the events, so it survives a restart of the runtime. Events:

    {"kind": "messages", "task_id", "messages": [pydantic-ai ModelMessage JSON ...]}
    {"kind": "compaction", "summary": str, "cut": N}   # the first N messages are summarised

A per-session lock serialises turns of one session inside this process, and a cache of
recent sessions (at most CACHE_SESSIONS, and CACHE_MESSAGES messages in all) avoids
re-reading a session's whole history on every turn (new events are fetched
incrementally, so another replica's writes are still seen).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    UserPromptPart,
)
from pydantic_core import to_jsonable_python

from bosun.runtime.store import SessionBackend

SUMMARY_PREFIX = "Summary of the earlier part of this conversation (older turns were compacted):\n"
CACHE_SESSIONS = 256
CACHE_MESSAGES = 20_000


@dataclass
class _Cached:
    seq: int = 0
    messages: list[ModelMessage] = field(default_factory=list)
    known: bool = False  # the session row exists in the backend


def summary_message(summary: str) -> ModelRequest:
    return ModelRequest(parts=[UserPromptPart(content=SUMMARY_PREFIX + summary)])


def apply_event(messages: list[ModelMessage], event: dict[str, Any]) -> list[ModelMessage]:
    """The history after one stored event."""
    kind = event.get("kind")
    if kind == "messages":
        return messages + ModelMessagesTypeAdapter.validate_python(event.get("messages") or [])
    if kind == "compaction":
        cut = int(event.get("cut", 0))
        return [summary_message(str(event.get("summary", ""))), *messages[cut:]]
    return messages  # unknown kinds (from a newer runtime) are ignored


def dump_messages(messages: Sequence[ModelMessage]) -> list[Any]:
    return list(
        to_jsonable_python(ModelMessagesTypeAdapter.dump_python(list(messages), mode="json"))
    )


class Sessions:
    def __init__(self, backend: SessionBackend, *, agent: str) -> None:
        self.backend = backend
        self.agent = agent
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cached_messages = 0
        # Weak: a session's lock lives while a turn holds it, not forever.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, session_id: str) -> asyncio.Lock:
        lock = self._locks.get(session_id)
        if lock is None:
            lock = self._locks[session_id] = asyncio.Lock()
        return lock

    def _entry(self, session_id: str) -> _Cached:
        entry = self._cache.get(session_id)
        if entry is None:
            entry = _Cached()
            self._cache[session_id] = entry
            self._trim()
        else:
            self._cache.move_to_end(session_id)
        return entry

    def _apply(self, session_id: str, entry: _Cached, event: dict[str, Any]) -> None:
        before = len(entry.messages)
        entry.messages = apply_event(entry.messages, event)
        if self._cache.get(session_id) is entry:  # not dropped meanwhile
            self._cached_messages += len(entry.messages) - before
            self._trim()

    def _trim(self) -> None:
        # The least recently used sessions leave; the one just used (the newest) stays.
        while len(self._cache) > 1 and (
            len(self._cache) > CACHE_SESSIONS or self._cached_messages > CACHE_MESSAGES
        ):
            _, dropped = self._cache.popitem(last=False)
            self._cached_messages -= len(dropped.messages)

    async def history(self, session_id: str) -> list[ModelMessage]:
        """The session's messages, after applying every stored event (empty if new)."""
        entry = self._entry(session_id)
        for event in await self.backend.events(session_id, after=entry.seq):
            self._apply(session_id, entry, event)
            entry.seq = max(entry.seq, int(event["seq"]))
        return list(entry.messages)

    async def _append(
        self,
        session_id: str,
        event: dict[str, Any],
        *,
        user_id: str | None,
        messages: Sequence[ModelMessage] | None = None,
    ) -> None:
        entry = self._entry(session_id)
        if not entry.known:
            await self.backend.ensure_session(session_id, agent=self.agent, user_id=user_id)
            entry.known = True
        seq = await self.backend.append_event(session_id, event)
        if seq == entry.seq + 1:  # nobody else wrote in between: update the cache in place
            if messages is not None:  # the event's messages as objects: no need to parse them
                self._extend(session_id, entry, messages)
            else:
                self._apply(session_id, entry, event)
            entry.seq = seq

    def _extend(self, session_id: str, entry: _Cached, messages: Sequence[ModelMessage]) -> None:
        entry.messages = [*entry.messages, *messages]
        if self._cache.get(session_id) is entry:  # not dropped meanwhile
            self._cached_messages += len(messages)
            self._trim()

    async def append_messages(
        self,
        session_id: str,
        messages: Sequence[ModelMessage],
        *,
        task_id: str,
        user_id: str | None = None,
    ) -> None:
        if not messages:
            return
        event = {"kind": "messages", "task_id": task_id, "messages": dump_messages(messages)}
        await self._append(session_id, event, user_id=user_id, messages=messages)

    async def append_event(
        self, session_id: str, event: dict[str, Any], *, user_id: str | None = None
    ) -> None:
        """Store another kind of event in the session (the history ignores unknown kinds)."""
        await self._append(session_id, event, user_id=user_id)

    async def append_compaction(self, session_id: str, summary: str, cut: int) -> None:
        await self._append(
            session_id, {"kind": "compaction", "summary": summary, "cut": cut}, user_id=None
        )
