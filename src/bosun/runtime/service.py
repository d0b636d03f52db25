"""The A2A service behind the HTTP app: request handler, executor, engine and stores.

Built by `bosun.runtime.app` in the background after the server started (importing the
a2a-sdk server and pydantic-ai takes longer than serving the card). One a2a-sdk request
handler serves both bindings (`bosun.runtime.bindings`: JSON-RPC, HTTP+JSON) and both
protocol versions, with the task store (`taskstore`) and push notifications (`push`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2a.server.request_handlers import DefaultRequestHandler
from a2a.types import AgentCard
from google.protobuf import json_format

from bosun.api.config import AgentConfig
from bosun.runtime.bindings import Bindings
from bosun.runtime.card import has_url, v1_card
from bosun.runtime.compaction import Compactor
from bosun.runtime.engine import Engine, build_engine
from bosun.runtime.executor import BosunAgentExecutor
from bosun.runtime.push import PushConfigStore, WebhookSender, validate_url
from bosun.runtime.sessions import Sessions
from bosun.runtime.store import SessionBackend, open_backend
from bosun.runtime.taskstore import PersistentTaskStore
from bosun.runtime.telemetry import enabled as telemetry_enabled
from bosun.runtime.telemetry import setup_telemetry, shutdown_telemetry

log = logging.getLogger("bosun.runtime")

PARKED_TASK_SECONDS = 300.0


@dataclass
class Service:
    dispatcher: Bindings  # `handle_requests` is JSON-RPC; `handle_rest` HTTP+JSON
    handler: DefaultRequestHandler
    backend: SessionBackend
    sessions: Sessions
    engine_task: asyncio.Task[Engine]
    compactor: list[Compactor]
    push: WebhookSender
    owns_telemetry: bool = False

    async def engine(self) -> Engine:
        return await asyncio.shield(self.engine_task)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.handler.aclose()
        await self.push.close()
        for compactor in self.compactor:
            await compactor.close()
        if self.engine_task.done() and not self.engine_task.cancelled():
            if self.engine_task.exception() is None:
                await self.engine_task.result().close()
        else:
            self.engine_task.cancel()
        await self.backend.close()
        if self.owns_telemetry:
            shutdown_telemetry()


async def _start_engine(config: AgentConfig, data_dir: Path | None = None) -> Engine:
    # Building imports the provider SDKs; a thread keeps the event loop serving meanwhile.
    engine = await asyncio.to_thread(build_engine, config, data_dir=data_dir)
    engine.start()
    return engine


def build_service(config: AgentConfig, card: dict[str, Any], *, data_dir: Path | None) -> Service:
    owns_telemetry = setup_telemetry(config.name) and telemetry_enabled()
    backend = open_backend(agent=config.name, data_dir=data_dir)
    sessions = Sessions(backend, agent=config.name)
    engine_task = asyncio.create_task(_start_engine(config, data_dir), name="engine start")
    engine_task.add_done_callback(_log_engine_failure)
    compactors: list[Compactor] = []

    def after_turn(engine: Engine, session_id: str) -> None:
        if config.compaction is None:
            return
        if not compactors:
            compactors.append(Compactor(config.compaction, sessions, engine.agent.model))
        compactors[0].schedule(session_id)

    executor = BosunAgentExecutor(
        engine=lambda: asyncio.shield(engine_task), sessions=sessions, after_turn=after_turn
    )
    # The handler reads only capabilities from the card; the URL is served by the app.
    agent_card = json_format.ParseDict(
        v1_card(card, url=None if has_url(card) else "http://localhost/"),
        AgentCard(),
        ignore_unknown_fields=True,
    )
    task_store = PersistentTaskStore(backend)
    push_store = PushConfigStore(
        sessions,
        context_of=task_store.context_of,
        restored=lambda task_id: task_id in task_store.restored,
    )
    task_store.on_saved.append(push_store.task_saved)
    push = WebhookSender(push_store)
    handler = DefaultRequestHandler(
        agent_executor=executor,
        task_store=task_store,
        agent_card=agent_card,
        push_config_store=push_store,
        push_sender=push,
        push_url_validator=validate_url,
        # A task waiting for approval is unloaded after a while; an answer reloads it.
        interrupted_task_timeout=PARKED_TASK_SECONDS,
    )
    return Service(
        dispatcher=Bindings(handler),
        handler=handler,
        backend=backend,
        sessions=sessions,
        engine_task=engine_task,
        compactor=compactors,
        push=push,
        owns_telemetry=owns_telemetry,
    )


def _log_engine_failure(task: asyncio.Task[Engine]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the agent engine could not be built: %s", task.exception())
