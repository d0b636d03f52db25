"""Helpers the UI tests import (fixtures are in conftest.py): the running `bosun up`
handle and screenshots for docs/screenshots/."""

from __future__ import annotations

import subprocess
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
