"""More of the chat page against the real examples (`bosun up --mock-llm`): a file the
agent hands back (helper's `bar_chart` PNG) shown in the chat and downloaded, keyboard
focus moving to the approval panel when a turn pauses, and the answer streaming in piece
by piece before the turn ends (helper's slow "long story" rule)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from ui_harness import UiUp, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


def ask(page: Any, agent: str, text: str) -> None:
    page.goto(f"/chat/default/{agent}")
    box = page.get_by_label(f"Message to {agent}")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/chat/default/{agent}/[0-9a-f-]{{36}}$"))


def answer(page: Any, agent: str) -> Any:
    return page.get_by_role("article", name=f"Answer of {agent}").last


def test_a_chart_the_agent_returns_is_shown_and_downloads(page: Any, ui_up: UiUp) -> None:
    ask(page, "helper", "Draw a chart of pods per node")
    card = page.get_by_role("group", name="Tool bar_chart: done")
    expect(card).to_be_visible()
    # the model got a reference to the file, not its bytes
    expect(card.get_by_label("Result of bar_chart")).to_contain_text('"name": "file-1.png"')
    reply = answer(page, "helper")
    expect(reply).to_contain_text("Here is the chart")
    files = reply.get_by_label("Files from the agent")
    preview = files.get_by_role("img", name="Preview of file-1.png")
    expect(preview).to_be_visible()
    # the browser decoded the PNG the control plane serves (a broken image has no width)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    screenshot(page, "chat-file")
    link = files.get_by_role("link", name="Download file-1.png")
    expect(link).to_have_attribute("href", re.compile(r"^/api/files/"))
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "file-1.png"
    png = Path(download.value.path()).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), png[:16]
    stored = ui_up.api("GET", link.get_attribute("href")).content
    assert stored == png

    # after a reload the file is still there (history from the API)
    page.reload()
    expect(answer(page, "helper").get_by_role("link", name="Download file-1.png")).to_be_visible()


def test_focus_moves_to_the_approval_panel_and_the_keyboard_decides(page: Any) -> None:
    page.goto("/chat/default/helper")
    box = page.get_by_label("Message to helper")
    box.focus()
    page.keyboard.type("Do two calculations")
    page.keyboard.press("Enter")
    panel = page.get_by_role("form", name="The agent is waiting for you")
    first, second = panel.get_by_role("group").nth(0), panel.get_by_role("group").nth(1)
    # the first decision has focus as soon as the panel appears: no hunting with Tab
    expect(first.get_by_role("button", name="Approve")).to_be_focused()
    page.keyboard.press("Enter")
    expect(first.get_by_role("button", name="Approve")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")  # Reject of the first call
    page.keyboard.press("Tab")  # Approve of the second
    expect(second.get_by_role("button", name="Approve")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Send decisions")).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel).to_be_hidden()
    expect(page.get_by_role("group", name="Tool calculate: done")).to_have_count(2)


def test_the_answer_streams_in_piece_by_piece(page: Any) -> None:
    ask(page, "helper", "Tell me a long story")
    reply = answer(page, "helper")
    seen: list[int] = []  # words on screen while the turn still runs
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        words = len(reply.inner_text().split()) if reply.count() else 0
        running = reply.get_attribute("aria-busy") == "true" if reply.count() else True
        if not running:
            break
        if words and (not seen or words != seen[-1]):
            seen.append(words)
        time.sleep(0.05)
    expect(reply).to_contain_text("the last job is done.")
    # several different partial lengths, growing, before the final answer
    partial = [n for n in seen if n > 1]
    assert len(partial) >= 4, seen
    assert partial == sorted(partial), seen


def test_a_failing_tool_call_shows_failed_with_the_error(page: Any) -> None:
    ask(page, "helper", "What time is it on Mars?")
    card = page.get_by_role("group", name="Tool current_time: failed")
    expect(card).to_be_visible()
    expect(card).to_contain_text("unknown time zone 'Mars/Olympus_Mons'")
    expect(page.get_by_role("group", name="Tool current_time: done")).to_have_count(0)


def test_long_arguments_are_cut_with_show_all(page: Any) -> None:
    text = "count " + " ".join(f"word{i:04d}" for i in range(400))  # 3 606 characters
    ask(page, "helper", text)
    card = page.get_by_role("group", name="Tool word_count: done")
    card.get_by_text("Arguments").click()
    arguments = card.get_by_label("Arguments of word_count")
    expect(arguments).to_contain_text("word0000")
    expect(arguments).not_to_contain_text("word0399")
    show_all = card.get_by_role("button", name=re.compile(r"Show all \(3,6\d\d characters\)"))
    show_all.click()
    expect(arguments).to_contain_text("word0399")
    expect(card.get_by_label("Result of word_count")).to_contain_text('"words": 401')
