"""Where sessions, their events and A2A tasks are kept, so they survive a restart.

Two backends meet `SessionBackend`: the control plane's REST API when BOSUN_URL is set
(`controlplane`, the routes are documented in docs/runtime.md) and a local SQLite file
otherwise (`sqlite`). `bosun.runtime.sessions` (history) and `bosun.runtime.taskstore`
(the a2a-sdk TaskStore) are written against the protocol only; `open_backend` picks one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

SESSION_EVENT_KINDS = ("messages", "compaction")


class StoreError(RuntimeError):
    """The backend could not be read or written; the message says which and why."""


class SessionBackend(Protocol):
    async def ensure_session(self, session_id: str, *, agent: str, user_id: str | None) -> None:
        """Create the session if it does not exist yet (idempotent)."""
        ...

    async def events(self, session_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        """The session's events with seq > after, oldest first; each has an int `seq`."""
        ...

    async def append_event(self, session_id: str, event: dict[str, Any]) -> int:
        """Store an event at the end of the session; returns its seq."""
        ...

    async def put_task(self, task: dict[str, Any]) -> None:
        """Create or replace an A2A task (v1.0 JSON with `id` and `contextId`)."""
        ...

    async def get_task(self, task_id: str) -> dict[str, Any] | None: ...

    async def list_tasks(self, context_id: str | None = None) -> list[dict[str, Any]]: ...

    async def close(self) -> None: ...


def default_data_dir() -> Path:
    """BOSUN_AGENT_DATA, else the user's data dir (~/.local/share/bosun/agents)."""
    configured = os.environ.get("BOSUN_AGENT_DATA")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_data_dir("bosun")) / "agents"


def open_backend(*, agent: str, data_dir: Path | None = None) -> SessionBackend:
    """The control plane when BOSUN_URL is set, else SQLite under `data_dir`.

    Either way the backend gets a `journal` (`store.journal`) under `data_dir`/running:
    the tasks this process runs, so that the next process fails those it left.
    """
    from bosun.runtime.store.journal import RunningJournal, journal_key

    url = os.environ.get("BOSUN_URL")
    directory = data_dir or default_data_dir()
    backend: Any
    if url:
        from bosun.runtime.store.controlplane import ControlPlaneBackend

        backend = ControlPlaneBackend(url, agent=agent)
        location = url.rstrip("/")
    else:
        from bosun.runtime.store.sqlite import SqliteBackend

        backend = SqliteBackend(directory / f"{agent.replace('/', '__')}.sqlite3")
        location = str(backend.path.resolve())
    backend.journal = RunningJournal(directory / "running", journal_key(agent, location))
    result: SessionBackend = backend
    return result
