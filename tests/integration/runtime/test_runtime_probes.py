"""`bosun agent`'s probes: /healthz says the process serves, /readyz that the A2A service
is built (503 with the reason until then), as the Deployment's probes expect."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from runtime_helpers import base_config, write_config

from bosun.mockllm import MockLLM
from bosun.runtime.app import create_app


async def test_ready_once_the_service_is_built(start_agent) -> None:
    with MockLLM([{"match": {}, "text": "hi"}]) as llm:
        agent = await start_agent(base_config(llm))
        async with httpx.AsyncClient(base_url=agent.url, timeout=10) as http:
            assert (await http.get("/healthz")).status_code == 200
            for _ in range(400):
                ready = await http.get("/readyz")
                if ready.status_code == 200:
                    break
                assert ready.status_code == 503 and ready.json()["reasons"]
                await asyncio.sleep(0.025)
            assert ready.json() == {"status": "ready", "agent": "default/test-agent"}


async def test_not_ready_while_the_engine_is_not_loaded(tmp_path: Path) -> None:
    with MockLLM([{"match": {}, "text": "hi"}]) as llm:
        write_config(tmp_path / "agent", base_config(llm))
        # Without the lifespan the service is never built: the state of a starting agent.
        app = create_app(tmp_path / "agent", data_dir=tmp_path / "data")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://agent") as http:
            alive = await http.get("/healthz")
            ready = await http.get("/readyz")
    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["reasons"] == ["starting: loading the agent engine"]
