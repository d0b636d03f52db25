"""The sessions sidebar: a session survives a reload with its history, can be renamed and
deleted (checked through the API), and the Context view says what the agent holds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from ui_harness import UiUp

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


def start(page: Any, text: str) -> str:
    page.goto("/chat/default/helper")
    box = page.get_by_label("Message to helper")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/chat/default/helper/[0-9a-f-]{36}$"))
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    reply = page.get_by_role("article", name="Answer of helper")
    expect(reply.get_by_role("button", name="Copy answer")).to_be_visible()  # the turn ended
    return str(page.url.rsplit("/", 1)[1])


def test_reload_finds_the_session_with_its_history(page: Any) -> None:
    sid = start(page, "What time is it?")
    page.reload()
    expect(page.get_by_role("article", name="Your message")).to_have_text("What time is it?")
    expect(page.get_by_role("group", name="Tool current_time: done")).to_be_visible()
    expect(page.get_by_role("article", name="Answer of helper")).to_contain_text("It is")
    sessions = page.get_by_role("navigation", name="Sessions")
    current = sessions.get_by_role("link", name="What time is it?").first  # named after the prompt
    expect(current).to_have_attribute("aria-current", "page")
    # and from a fresh page: the sidebar leads back to it
    page.goto("/chat/default/helper")
    page.get_by_role("navigation", name="Sessions").locator(f'a[href$="{sid}"]').click()
    expect(page.get_by_role("article", name="Your message")).to_have_text("What time is it?")


def test_rename_and_delete_a_session(page: Any, ui_up: UiUp) -> None:
    sid = start(page, "Count the words in: one two three")
    sessions = page.get_by_role("navigation", name="Sessions")
    title = "Count the words in: one two three"
    expect(sessions.get_by_role("link", name=title)).to_be_visible()
    sessions.get_by_role("button", name=f"Rename {title}").click()
    field = sessions.get_by_label(f"New name for {title}")
    field.fill("Word counting")
    field.press("Enter")
    expect(sessions.get_by_role("link", name="Word counting")).to_be_visible()
    assert ui_up.api("GET", f"/api/sessions/{sid}").json()["name"] == "Word counting"

    sessions.get_by_role("button", name="Delete Word counting").click()
    confirm = sessions.get_by_role("group", name="Delete Word counting?")
    confirm.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/chat/default/helper$"))
    expect(sessions.get_by_role("link", name="Word counting")).to_have_count(0)
    assert ui_up.api("GET", f"/api/sessions/{sid}").status_code == 404


def test_context_view_shows_what_the_agent_holds(page: Any) -> None:
    start(page, "What time is it?")
    page.get_by_role("button", name="Context").click()
    context = page.get_by_role("region", name="Context the agent holds")
    # one turn: the prompt, the tool call, its result, the answer
    expect(context.locator("dt:has-text('Messages held') + dd")).to_have_text("4")
    expect(context.locator("dt:has-text('Compacted') + dd")).to_have_text("no")
    expect(context.locator("dt:has-text('Context size') + dd")).to_contain_text("tokens")
