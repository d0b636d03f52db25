"""The memory page (ui/src/pages/MemoryPage.tsx): the caller's memories of an agent are
listed, one is deleted, and another user's memory never shows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect
from ui_harness import UiUp

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


def test_memories_are_listed_and_deleted(page: Any, ui_up: UiUp) -> None:
    mine = f"The user's staging cluster is atlas-{uuid.uuid4().hex[:6]}"
    theirs = f"Someone else's secret {uuid.uuid4().hex[:6]}"
    for content, headers in ((mine, {}), (theirs, {"X-Bosun-User": "someone-else"})):
        body = {"agent": "default/helper", "content": content, "embedding": [1.0, 0.0]}
        assert ui_up.api("POST", "/api/memories", json=body, headers=headers).status_code == 201
    page.goto("/memory")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Memory").is_visible()
    page.get_by_label("Agent").select_option("default/helper")
    table = page.get_by_role("table", name="Memories")
    expect(table).to_contain_text(mine)
    expect(table).not_to_contain_text(theirs)
    page.get_by_role("button", name=f"Delete memory: {mine}").click()
    expect(page.get_by_text(mine)).to_have_count(0)
    left = ui_up.api("GET", "/api/memories", params={"agent": "default/helper"}).json()["items"]
    assert mine not in [m["content"] for m in left]
