"""Fixtures for the web UI tests: one real `bosun up --mock-llm` with a copy of the
examples (module `ui_up`, shared by every UI test in the xdist group), and a Playwright
page in Debian's Chromium (`/usr/bin/chromium`; never a downloaded browser).

Tests import `UiUp` and `screenshot(page, name)` (docs/screenshots/NAME.png) from ui_harness.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ui_harness import ROOT, UiUp, browser_page

from bosun.controller.local.ports import free_port

EXAMPLES = ROOT / "examples"
AGENTS = ("coordinator", "haiku-writer", "helper")
CHROMIUM = os.environ.get("BOSUN_CHROMIUM", "/usr/bin/chromium")


def _ready(url: str) -> set[str]:
    try:
        response = httpx.get(f"{url}/api/agents", params={"namespace": "default"}, timeout=5)
        response.raise_for_status()
    except httpx.HTTPError:
        return set()
    return {
        item["metadata"]["name"]
        for item in response.json()["items"]
        for cond in (item.get("status") or {}).get("conditions") or []
        if cond["type"] == "Ready" and cond["status"] == "True"
    }


@pytest.fixture(scope="session")
def ui_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiUp]:
    index = ROOT / "src" / "bosun" / "server" / "ui_dist" / "index.html"
    if not index.is_file():
        pytest.fail("the UI is not built: run `cd ui && npm ci && npm run build` (make test does)")
    base = tmp_path_factory.mktemp("ui-up")
    examples = base / "examples"
    shutil.copytree(EXAMPLES, examples)
    mock_port, port = free_port(), free_port()
    model = examples / "modelconfig.yaml"
    model.write_text(model.read_text().replace("127.0.0.1:8090", f"127.0.0.1:{mock_port}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("OLLAMA_HOST", None)
    env["BOSUN_PROVIDER"] = "mock"
    bosun = Path(sys.executable).parent / "bosun"
    output = base / "up.out"
    argv = [str(bosun), "up", "--mock-llm", "-f", str(examples), "--port", str(port)]
    argv += ["--mock-llm-port", str(mock_port), "--data-dir", str(base / "data")]
    with output.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while set(AGENTS) - _ready(url):
            assert process.poll() is None, f"bosun up exited:\n{output.read_text()}"
            assert time.monotonic() < deadline, f"agents not Ready in 60s:\n{output.read_text()}"
            time.sleep(0.2)
        yield UiUp(process, url, output)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module, not per session: Playwright's sync API keeps an asyncio loop running in
    this thread while it is open, and every asyncio test this worker runs after the UI
    tests would fail with "cannot be called from a running event loop"."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (make test does)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, ui_up: UiUp) -> Iterator[Any]:
    """A fresh browser context (no stored token, no session) at 1280x800."""
    with browser_page(browser, ui_up.url) as fresh:
        yield fresh
