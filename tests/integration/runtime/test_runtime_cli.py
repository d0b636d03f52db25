"""`bosun agent --config DIR` as a process: serves its card quickly, answers, stops on SIGTERM,
and refuses a broken config.json with a message naming the file."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from runtime_helpers import Conversation, base_config, free_socket, write_config

from bosun.mockllm import MockLLM


def _bosun(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "bosun"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.mark.slow
async def test_cli_serves_answers_and_stops(tmp_path: Path) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    with MockLLM([{"match": {}, "text": "from a process"}]) as llm:
        write_config(tmp_path / "config", base_config(llm))
        started = time.monotonic()
        process = _bosun(
            "agent",
            "--config",
            str(tmp_path / "config"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            card = None
            async with httpx.AsyncClient() as http:
                while time.monotonic() - started < 20:
                    try:
                        card = (await http.get(url + ".well-known/agent-card.json")).json()
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
            assert card is not None and card["name"] == "default/test-agent"
            conversation = await Conversation.open(url)
            try:
                exchange = await conversation.send("hello", limit=60)
            finally:
                await conversation.close()
            assert exchange.final_text() == "from a process"
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=15)
        # uvicorn shuts down gracefully, then re-raises the signal it stopped on.
        assert process.returncode in (0, -signal.SIGTERM), output
        assert "Application shutdown complete" in output


@pytest.mark.slow
def test_cli_rejects_an_invalid_config(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.json").write_text('{"name": "x/y", "model": {"type": "nope"}}')
    process = _bosun("agent", "--config", str(config))
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "config.json is invalid" in output and "model" in output
