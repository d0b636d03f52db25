"""A local webhook receiver for push-notification tests: records every POST, and answers
503 to the first `fail_first` of them (to exercise retries)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from runtime_helpers import RunningAgent, serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Receiver:
    fail_first: int = 0
    calls: list[tuple[dict[str, str], dict[str, Any], int]] = field(default_factory=list)
    server: RunningAgent | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url + "hook"

    def delivered(self) -> list[dict[str, Any]]:
        return [body for _, body, status in self.calls if status == 200]

    async def start(self) -> Receiver:
        async def hook(request: Request) -> Response:
            status = 503 if len(self.calls) < self.fail_first else 200
            self.calls.append((dict(request.headers), json.loads(await request.body()), status))
            return Response(status_code=status)

        self.server = await serve_app(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
        return self

    async def wait_for(self, state: str, limit: float = 20.0) -> dict[str, Any]:
        async with asyncio.timeout(limit):
            while True:
                for body in self.delivered():
                    update = body.get("statusUpdate") or body.get("task") or {}
                    if (update.get("status") or {}).get("state") == state:
                        return body
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
