"""Running a control plane for tests: uvicorn on a free port, and the `Plane` handle."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bosun.server.app import create_app
from bosun.server.db import Database, Repositories
from bosun.server.secretbox import SecretBox
from bosun.server.settings import Settings
from bosun.server.store_db import DbResourceStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Run an ASGI app with uvicorn on a free 127.0.0.1 port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
        else:
            raise TimeoutError("uvicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


@dataclass
class Plane:
    """A running control plane: its URL, a client, and its internals for assertions."""

    url: str
    http: httpx.AsyncClient
    app: Any
    store: DbResourceStore
    database: Database

    def as_user(self, user: str) -> dict[str, str]:
        return {"X-Bosun-User": user}

    async def settle(self) -> None:
        """Wait until what the proxy and /mcp recorded is written (write-behind)."""
        await self.app.state.ctx.writer.drain()


@contextlib.asynccontextmanager
async def control_plane(
    database: Database, tmp_path: Path, *, endpoint: Any = None, review: Any = None, **settings: Any
) -> AsyncIterator[Plane]:
    store = DbResourceStore(Repositories.of(database).resources, SecretBox.generate())
    config = Settings(data_dir=tmp_path, **settings)
    app = create_app(config, database=database, store=store, endpoint=endpoint, token_review=review)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield Plane(url, http, app, store, database)
