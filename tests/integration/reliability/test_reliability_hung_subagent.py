"""A hung sub-agent (connection open, silent) is a tool error after BOSUN_SUBAGENT_TIMEOUT.

The sub-agent is a stub A2A server on 127.0.0.1 that never finishes: its stream sends the
task once (working) and then nothing, or its card never answers. The parent, a real agent
with a scripted model, gets a tool error it can read, answers with it, and cancels the
sub-agent's task; the whole turn takes a few seconds instead of hanging
(docs/reliability.md, Sub-agents).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from runtime_helpers import base_config, serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bosun.mockllm import MockLLM

pytestmark = pytest.mark.slow  # agents and the stub in-process, each turn waits ~1 s

SCRIPT: list[dict[str, Any]] = [
    {"match": {"system_contains": "the parent", "tool_result": "helper"},
     "text": "parent got: {{last_tool_result}}"},
    {"match": {"system_contains": "the parent"},
     "tool_calls": [{"name": "helper", "arguments": {"request": "{{last_user_message}}"}}]},
]  # fmt: skip


class SilentAgent:
    """An A2A server that hangs: after the task's first event (or before its card) it
    sends nothing more, with the connection left open, until `release` is set."""

    def __init__(self, *, silent_card: bool = False) -> None:
        self.silent_card = silent_card
        self.release = asyncio.Event()
        self.methods: list[str] = []

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/agent-card.json", self.card, methods=["GET"]),
                Route("/", self.rpc, methods=["POST"]),
            ]
        )

    async def card(self, request: Request) -> Response:
        if self.silent_card:
            await self.release.wait()
        url = str(request.base_url)
        return JSONResponse(
            {
                "name": "helper",
                "description": "Never finishes.",
                "version": "1.0.0",
                "supportedInterfaces": [
                    {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
                ],
                "capabilities": {"streaming": True},
                "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [],
            }
        )

    async def rpc(self, request: Request) -> Response:
        body = await request.json()
        self.methods.append(str(body.get("method")))
        if body.get("method") != "SendStreamingMessage":
            return JSONResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": {}})
        context = body["params"]["message"].get("contextId", "")
        task = {"id": "sub-task-1", "contextId": context,
                "status": {"state": "TASK_STATE_WORKING"}}  # fmt: skip
        first = {"jsonrpc": "2.0", "id": body.get("id"), "result": {"task": task}}

        async def events() -> AsyncIterator[bytes]:
            yield f"data: {json.dumps(first)}\n\n".encode()
            await self.release.wait()  # hung: the connection stays open, nothing comes

        return StreamingResponse(events(), media_type="text/event-stream")


async def _turn(
    silent: SilentAgent, start_agent: Any, connect: Any, llm: MockLLM
) -> tuple[Any, float]:
    stub = await serve_app(silent.app())
    try:
        remote = {"name": "helper", "ref": "default/helper", "url": stub.url,
                  "description": "Helps."}  # fmt: skip
        parent = await start_agent(
            base_config(llm, name="default/parent", instruction="You are the parent.",
                        remote_agents=[remote]),
            name="parent",
        )  # fmt: skip
        conversation = await connect(parent.url)
        started = time.monotonic()
        async with asyncio.timeout(30):
            exchange = await conversation.send("do the thing")
        return exchange, time.monotonic() - started
    finally:
        silent.release.set()
        await stub.stop()


async def test_a_silent_sub_agent_is_a_tool_error_and_its_task_is_cancelled(
    start_agent: Any, connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_SUBAGENT_TIMEOUT", "1")
    silent = SilentAgent()
    with MockLLM(SCRIPT) as llm:
        exchange, took = await _turn(silent, start_agent, connect, llm)
    assert exchange.final_state == "TASK_STATE_COMPLETED"
    [result] = exchange.data("tool_result")
    assert result["status"] == "error"
    assert "the agent default/helper sent nothing for 1 seconds" in result["error"]
    assert "BOSUN_SUBAGENT_TIMEOUT" in result["error"]
    assert exchange.final_text().startswith("parent got: ")
    assert "sent nothing for 1 seconds" in exchange.final_text()
    assert took < 10, took
    assert silent.methods == ["SendStreamingMessage", "CancelTask"]


async def test_a_sub_agent_whose_card_never_answers_is_a_tool_error(
    start_agent: Any, connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_SUBAGENT_TIMEOUT", "1")
    silent = SilentAgent(silent_card=True)
    with MockLLM(SCRIPT) as llm:
        exchange, took = await _turn(silent, start_agent, connect, llm)
    [result] = exchange.data("tool_result")
    assert result["status"] == "error"
    assert "could not be reached: its card did not answer within 1 seconds" in result["error"]
    assert exchange.final_state == "TASK_STATE_COMPLETED"
    assert took < 10, took
    assert silent.methods == []
