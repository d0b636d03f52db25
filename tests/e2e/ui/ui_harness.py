"""Helpers the UI tests import (fixtures are in conftest.py): the running `bosun up`
handle, a second control plane of a test's own, a fresh browser page, and screenshots for
docs/screenshots/."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass
class UiUp:
    process: subprocess.Popen[bytes]
    url: str
    output: Path

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", timeout=10, **kwargs)


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot for the README/docs (docs/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@contextlib.contextmanager
def controlplane(base: Path, port: int, env: Mapping[str, str]) -> Iterator[str]:
    """`bosun controlplane` on 127.0.0.1:`port` with `env` (its output in base/plane.out),
    yielded once /health answers; stopped afterwards."""
    bosun = Path(sys.executable).parent / "bosun"
    url = f"http://127.0.0.1:{port}"
    with (base / "plane.out").open("wb") as log:
        process = subprocess.Popen(
            [str(bosun), "controlplane", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, (base / "plane.out").read_text()
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, (base / "plane.out").read_text()
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(15)


@contextlib.contextmanager
def browser_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A page in a fresh browser context (no stored token, no session) at 1280x800; fails
    the test if the page raised an uncaught error."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
