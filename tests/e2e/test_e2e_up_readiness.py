"""`bosun up -f examples/`: /readyz turns 200 only once the manifests are applied, so a
script or probe that waits on it never sees an empty agent list (it used to: /health was
200 before anything was applied)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bosun.controller.local.ports import free_port

pytestmark = [pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_readyz_waits_for_the_manifests(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(EXAMPLES, examples)
    mock_port, port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("OLLAMA_HOST", None)
    bosun = Path(sys.executable).parent / "bosun"
    argv = [str(bosun), "up", "--mock-llm", "-f", str(examples), "--port", str(port)]
    argv += ["--mock-llm-port", str(mock_port), "--data-dir", str(tmp_path / "data")]
    url = f"http://127.0.0.1:{port}"
    not_ready: list[dict[str, object]] = []
    with (tmp_path / "up.out").open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "up.out").read_text()
            assert time.monotonic() < deadline, "never ready:\n" + (tmp_path / "up.out").read_text()
            try:
                ready = httpx.get(f"{url}/readyz", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.01)
                continue
            if ready.status_code == 200:
                break
            assert ready.status_code == 503
            not_ready.append(ready.json())
            time.sleep(0.01)
        agents = httpx.get(f"{url}/api/agents", timeout=5).json()["items"]
        names = sorted(a["metadata"]["name"] for a in agents)
        assert names == ["coordinator", "haiku-writer", "helper"]
        assert all(body["reasons"] for body in not_ready)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()  # never leave it running; the test still fails
            raise
