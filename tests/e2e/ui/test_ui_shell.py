"""The control plane serves the UI build: the app at `/`, deep links through the SPA
fallback, API paths never shadowed by it."""

from __future__ import annotations

from typing import Any

import pytest
from ui_harness import UiUp

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


def test_ui_opens_with_navigation(page: Any) -> None:
    page.goto("/")
    page.wait_for_url("**/agents")
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Agents", "Models", "MCP servers", "Usage"):
        assert nav.get_by_role("link", name=label).is_visible()


def test_deep_link_is_served_by_the_spa_and_api_paths_stay_json(page: Any, ui_up: UiUp) -> None:
    page.goto("/usage")
    assert page.get_by_role("navigation", name="Main").is_visible()
    missing = ui_up.api("GET", "/api/no-such-route")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    asset = ui_up.api("GET", "/assets/no-such-file.js")
    assert asset.status_code == 404
