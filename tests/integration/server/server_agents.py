"""Real agents behind the control plane in tests: the Bosun runtime on a free port.

`run_agent(tmp, llm, name=...)` starts `bosun.runtime.app` (what `bosun agent` serves)
under uvicorn in the test's loop, with the scripted fake LLM as its model and BOSUN_URL
set (by the caller) so that it persists sessions through the control plane under test.
`register(plane, name, url)` stores an Agent whose status says Ready at that URL.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from server_harness import Plane, serving
from server_manifests import agent, model_config, ready

from bosun.api.config import AgentConfig, CardSkill, agent_card, dump_card
from bosun.mockllm import MockLLM

SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "delete", "turn": 0}, "text": "Deleting.",
     "tool_calls": [{"name": "delete_pod", "arguments": {"pod": "web-1"}}]},
    {"match": {"tool_result": "delete_pod"}, "text": "Done: {{last_tool_result}}"},
    {"match": {"contains": "slow"}, "delay": 0.3, "stream_chunk_delay": 0.15,
     "text": "one two three four five six seven eight"},
    {"match": {"contains": "forever"}, "delay": 30, "text": "too late"},
    {"default": True, "text": "Hello from the agent. You said: {{last_user_message}}"},
]  # fmt: skip


def write_agent_dir(directory: Path, llm: MockLLM, name: str, **extra: Any) -> AgentConfig:
    directory.mkdir(parents=True, exist_ok=True)
    config = AgentConfig.model_validate(
        {
            "name": f"default/{name}",
            "description": f"{name} under test",
            "instruction": "You are a test agent.",
            "model": {"type": "openai", "model": "gpt-test", "base_url": llm.openai_base_url},
            "stream": True,
            **extra,
        }
    )
    (directory / "config.json").write_text(config.to_json())
    card = agent_card(
        name=name,
        description="test agent",
        url="",
        streaming=True,
        skills=[CardSkill(id="chat", name="chat", description="Talk", tags=["test"])],
        version="0.1.0",
    )
    (directory / "agent-card.json").write_text(dump_card(card))
    return config


@contextlib.asynccontextmanager
async def run_agent(
    tmp: Path, llm: MockLLM, name: str = "helper", **extra: Any
) -> AsyncIterator[str]:
    from bosun.runtime.app import create_app

    directory = tmp / f"agent-{name}"
    config = write_agent_dir(directory, llm, name, **extra)
    app = create_app(directory, data_dir=tmp / f"{name}-data", config=config)
    async with serving(app) as url:
        yield url


async def register(plane: Plane, name: str, url: str, *, is_ready: bool = True) -> None:
    """Store a ModelConfig and an Agent as the controller would have left them."""
    with contextlib.suppress(Exception):
        await plane.store.apply(model_config())
    await plane.store.apply(agent(name))
    await plane.store.patch_status(
        "Agent", "default", name, {**ready(is_ready, "process exited 1"), "url": url}
    )


def send_body(text: str, *, context: str | None = None, task: str | None = None,
              stream: bool = False) -> dict[str, Any]:  # fmt: skip
    message: dict[str, Any] = {
        "messageId": str(uuid.uuid4()),
        "role": "ROLE_USER",
        "parts": [{"text": text}],
    }
    if context:
        message["contextId"] = context
    if task:
        message["taskId"] = task
    method = "SendStreamingMessage" if stream else "SendMessage"
    return {"jsonrpc": "2.0", "id": str(uuid.uuid4()), "method": method,
            "params": {"message": message}}  # fmt: skip


A2A_HEADERS = {"A2A-Version": "1.0"}


async def sse_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            yield json.loads(line[5:])


def tools_app() -> Any:
    """An MCP tool server (mcp SDK) with one tool that needs approval in the tests."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("pod-tools")

    @server.tool()
    def delete_pod(pod: str) -> str:
        """Delete a pod."""
        return f"pod {pod} deleted"

    return server.streamable_http_app()
