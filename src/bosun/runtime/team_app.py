"""The HTTP app of a team workload (`bosun agent --config DIR` on a team's config.json).

Same routes and start-up as an agent's (bosun.runtime.app): the card and /healthz at
once, the a2a-sdk handler with the team executor (bosun.runtime.team_executor) built in
the background; JSON-RPC requests wait for it. Nothing at start touches the network:
members are reached when a run calls them.

Routes: POST / (A2A JSON-RPC, v1.0 and v0.3), GET /.well-known/agent-card.json (and
agent.json), /health, /healthz, /readyz.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bosun.api.config import AGENT_CARD_FILE, agent_card
from bosun.api.teamconfig import TeamConfig
from bosun.runtime.card import has_url, served_card

log = logging.getLogger("bosun.runtime.team")
START_TIMEOUT = 120.0


@dataclass
class TeamService:
    dispatcher: Any
    handler: Any
    backend: Any
    loop: Any

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.handler.aclose()
        await self.loop.close()
        await self.backend.close()


def build_team_service(
    config: TeamConfig, card: dict[str, Any], *, data_dir: Path | None
) -> TeamService:
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher
    from a2a.types import AgentCard
    from google.protobuf import json_format

    from bosun.runtime.store import open_backend
    from bosun.runtime.taskstore import PersistentTaskStore
    from bosun.runtime.team_executor import TeamExecutor
    from bosun.runtime.team_loop import TeamLoop, member_clients

    backend = open_backend(agent=config.name, data_dir=data_dir)
    loop = TeamLoop(config, member_clients(config))
    a2a_card = json_format.ParseDict(
        served_card(card, url=None if has_url(card) else "http://localhost/"),
        AgentCard(),
        ignore_unknown_fields=True,
    )
    handler = DefaultRequestHandler(
        agent_executor=TeamExecutor(config, loop, backend),
        task_store=PersistentTaskStore(backend),
        agent_card=a2a_card,
        interrupted_task_timeout=300.0,
    )
    dispatcher = JsonRpcDispatcher(request_handler=handler, enable_v0_3_compat=True)
    return TeamService(dispatcher=dispatcher, handler=handler, backend=backend, loop=loop)


def load_team_card(config_dir: Path, config: TeamConfig) -> dict[str, Any]:
    path = config_dir / AGENT_CARD_FILE
    if path.exists():
        card: dict[str, Any] = json.loads(path.read_text())
        return card
    return agent_card(
        name=config.name,
        description=config.description,
        url="",
        streaming=True,
        skills=[],
        version="1",
    )


def create_team_app(
    config_dir: Path,
    *,
    config: TeamConfig | None = None,
    public_url: str | None = None,
    data_dir: Path | None = None,
) -> Starlette:
    config = config or TeamConfig.load(config_dir)
    card = load_team_card(config_dir, config)
    fixed_card = served_card(card, url=public_url) if public_url or has_url(card) else None
    holder: dict[str, Any] = {"service": None, "error": None}
    ready = asyncio.Event()

    async def build() -> None:
        try:
            holder["service"] = await asyncio.to_thread(
                build_team_service, config, card, data_dir=data_dir
            )
        except Exception as exc:
            log.exception("the team's A2A service could not start")
            holder["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            ready.set()

    async def card_route(request: Request) -> Response:
        return JSONResponse(fixed_card or served_card(card, url=str(request.base_url)))

    async def health(request: Request) -> Response:
        if holder["error"]:
            return JSONResponse({"status": "error", "error": holder["error"]}, status_code=503)
        status = "ok" if holder["service"] is not None else "starting"
        return JSONResponse({"status": status, "agent": config.name})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "agent": config.name})

    async def readyz(request: Request) -> Response:
        if holder["service"] is None:
            reason = holder["error"] or "starting: loading the team"
            return JSONResponse({"status": "not ready", "reasons": [reason]}, status_code=503)
        return JSONResponse({"status": "ready", "agent": config.name})

    async def rpc(request: Request) -> Response:
        try:
            async with asyncio.timeout(START_TIMEOUT):
                await ready.wait()
        except TimeoutError:
            pass
        service = holder["service"]
        if service is None:
            error = {"code": -32603, "message": f"team not available: {holder['error']}"}
            return JSONResponse({"jsonrpc": "2.0", "id": None, "error": error}, status_code=503)
        response: Response = await service.dispatcher.handle_requests(request)
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(build(), name="team service start")
        try:
            yield
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            if holder["service"] is not None:
                await holder["service"].close()

    routes = [
        Route("/", rpc, methods=["POST"]),
        Route("/.well-known/agent-card.json", card_route, methods=["GET"]),
        Route("/.well-known/agent.json", card_route, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
