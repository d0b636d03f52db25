"""The usage page: after turns with two agents, the chart and the table show both, by
agent and by namespace (the proxy records each turn's tokens)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from ui_harness import UiUp, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


def turn(ui_up: UiUp, agent: str, text: str) -> None:
    """One A2A turn through the proxy, as any client sends it."""
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}
    body = {"jsonrpc": "2.0", "id": "1", "method": "SendMessage", "params": {"message": message}}
    response = httpx.post(
        f"{ui_up.url}/api/a2a/default/{agent}",
        json=body,
        headers={"A2A-Version": "1.0"},
        timeout=30,
    )
    assert response.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


def test_usage_chart_shows_the_agents_used(page: Any, ui_up: UiUp) -> None:
    turn(ui_up, "helper", "What time is it?")
    turn(ui_up, "haiku-writer", "a haiku about ports")
    deadline = time.monotonic() + 10
    while True:  # usage is written behind the proxy (~20 ms)
        groups = ui_up.api("GET", "/api/usage").json()["groups"]
        if {"helper", "haiku-writer"} <= {g["agent_name"] for g in groups}:
            break
        assert time.monotonic() < deadline, groups
        time.sleep(0.05)
    page.goto("/usage")
    table = page.get_by_role("table", name="Totals by agent")
    for ref in ("default/helper", "default/haiku-writer"):
        expect(table.get_by_role("row", name=ref)).to_be_visible()
    chart = page.get_by_role("img", name="Tokens by agent over the last 24 hours")
    expect(chart.locator("rect title").filter(has_text="default/helper")).to_have_count(1)
    expect(page.get_by_role("list", name="Legend")).to_contain_text("default/haiku-writer")
    screenshot(page, "usage")
    page.get_by_label("Group by").select_option("namespace")
    expect(
        page.get_by_role("table", name="Totals by namespace").get_by_role("row", name="default")
    ).to_be_visible()
    page.get_by_label("Time range").select_option("7d")
    expect(page.get_by_role("img", name="Tokens by namespace over the last 7 days")).to_be_visible()
    expect(page.get_by_text("Days are UTC days.")).to_be_visible()
