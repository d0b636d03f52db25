"""The chat page against the real examples (`bosun up --mock-llm`): a tool card going to
done, two approvals (one approved, one rejected with a reason), an ask_user question, the
coordinator's nested sub-agent card and its session, cancel, feedback stored, an attached
file, and the phone viewport."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from ui_harness import UiUp, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


def ask(page: Any, agent: str, text: str) -> None:
    """Open a new session with the agent and send `text` with Enter, as a user does."""
    page.goto(f"/chat/default/{agent}")
    box = page.get_by_label(f"Message to {agent}")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/chat/default/{agent}/[0-9a-f-]{{36}}$"))


def session_id(page: Any) -> str:
    return str(page.url.rsplit("/", 1)[1])


def answer(page: Any, agent: str) -> Any:
    return page.get_by_role("article", name=f"Answer of {agent}").last


def test_tool_card_goes_to_done_with_usage(page: Any) -> None:
    ask(page, "helper", "What time is it?")
    card = page.get_by_role("group", name="Tool current_time: done")
    expect(card).to_be_visible()
    card.get_by_text("Arguments").click()
    expect(card.get_by_label("Arguments of current_time")).to_contain_text('"timezone": "UTC"')
    expect(card.get_by_label("Result of current_time")).to_contain_text("UTC")
    reply = answer(page, "helper")
    expect(reply).to_contain_text(re.compile(r"It is \d{4}-\d\d-\d\dT"))
    expect(reply.get_by_label("Token usage of this answer")).to_contain_text(
        re.compile(r"in · \d+ out")
    )
    expect(reply.get_by_role("button", name="Copy answer")).to_be_visible()
    screenshot(page, "chat")


def test_approve_one_call_and_reject_the_other_with_a_reason(page: Any) -> None:
    ask(page, "helper", "Do two calculations")
    panel = page.get_by_role("form", name="The agent is waiting for you")
    expect(panel.get_by_role("heading", name="2 calls wait for your approval")).to_be_visible()
    expect(page.get_by_role("group", name="Tool calculate: waiting for you")).to_have_count(2)
    screenshot(page, "chat-approval")
    first, second = panel.get_by_role("group").nth(0), panel.get_by_role("group").nth(1)
    expect(first).to_contain_text("6 * 7")
    first.get_by_role("button", name="Approve").click()
    second.get_by_role("button", name="Reject").click()
    reason = panel.get_by_label("Reason for rejecting calculate")
    expect(reason).to_be_focused()  # keyboard users type the reason right away
    reason.fill("too big for today")
    reason.press("Enter")  # submits the decisions
    expect(panel).to_be_hidden()
    expect(page.get_by_role("group", name="Tool calculate: done")).to_contain_text("42")
    rejected = page.get_by_role("group", name="Tool calculate: rejected")
    expect(rejected).to_contain_text("You rejected this call: too big for today")
    expect(answer(page, "helper")).to_contain_text("Reason: too big for today")


def test_approve_all_sends_the_batch(page: Any) -> None:
    ask(page, "helper", "Do two calculations")
    page.get_by_role("button", name="Approve all").click()
    expect(page.get_by_role("group", name="Tool calculate: done")).to_have_count(2)
    expect(answer(page, "helper")).to_contain_text("calculate answered:")


def test_ask_user_question_is_a_form(page: Any) -> None:
    ask(page, "helper", "Which time zone?")
    question = page.get_by_role("group", name="Which time zone should I use?")
    question.get_by_label("Europe/Paris").check()
    page.get_by_role("button", name="Send answer").click()
    expect(answer(page, "helper")).to_contain_text("You picked Europe/Paris")


def test_coordinator_shows_the_sub_agent_nested_with_its_session(page: Any) -> None:
    ask(page, "coordinator", "What time is it?")
    outer = page.get_by_role("group", name="Tool default__helper: done")
    expect(outer).to_contain_text("sub-agent default/helper")
    inner = outer.get_by_role("group", name="Calls made by default/helper")
    expect(inner.get_by_role("group", name="Tool current_time: done")).to_be_visible()
    expect(answer(page, "coordinator")).to_contain_text("The helper says: It is")
    link = outer.get_by_role("link", name="Open default/helper's session")
    expect(link).to_be_visible()
    screenshot(page, "chat-subagent")
    link.click()
    page.wait_for_url(re.compile(r"/chat/default/helper/[0-9a-f-]{36}$"))
    expect(page.get_by_role("article", name="Your message")).to_have_text("What time is it?")
    expect(page.get_by_role("group", name="Tool current_time: done")).to_be_visible()


def test_cancel_a_running_turn(page: Any, ui_up: UiUp) -> None:
    ask(page, "helper", "Think slowly about it")
    expect(page.get_by_role("status").filter(has_text="Working")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(answer(page, "helper")).to_contain_text("Cancelled.")
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    tasks = ui_up.api("GET", f"/api/sessions/{session_id(page)}/tasks").json()
    assert [t["state"] for t in tasks] == ["TASK_STATE_CANCELED"]


def test_feedback_is_stored(page: Any, ui_up: UiUp) -> None:
    ask(page, "haiku-writer", "A haiku about the sea, please")
    reply = answer(page, "haiku-writer")
    expect(reply).to_contain_text("kettle whistles")
    reply.get_by_role("button", name="Bad answer").click()
    reply.get_by_label("Feedback comment").fill("not about the sea")
    reply.get_by_role("button", name="Send feedback").click()
    expect(reply.get_by_role("status")).to_have_text("Thanks, feedback saved.")
    stored = ui_up.api("GET", "/api/feedback", params={"session_id": session_id(page)}).json()
    assert [(f["is_positive"], f["text"]) for f in stored] == [(False, "not about the sea")]
    assert stored[0]["message_id"]  # the task the answer belongs to


def test_attached_file_is_sent_and_kept_in_the_history(page: Any, ui_up: UiUp) -> None:
    page.goto("/chat/default/helper")
    page.get_by_label("Attach file").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello from a file\n"}
    )
    expect(page.get_by_role("list", name="Attached files")).to_contain_text("notes.txt")
    box = page.get_by_label("Message to helper")
    box.fill("Here is my file")
    box.press("Enter")
    expect(answer(page, "helper")).to_contain_text("I am Helper")
    page.reload()
    mine = page.get_by_role("article", name="Your message")
    expect(mine).to_contain_text("Here is my file")
    with page.expect_download() as download:
        mine.get_by_role("link", name="Download notes.txt").click()
    assert Path(download.value.path()).read_bytes() == b"hello from a file\n"
    [task] = ui_up.api("GET", f"/api/sessions/{session_id(page)}/tasks").json()
    parts = task["task"]["history"][0]["parts"]
    assert {
        "raw": "aGVsbG8gZnJvbSBhIGZpbGUK",
        "filename": "notes.txt",
        "mediaType": "text/plain",
    } in parts


def test_phone_viewport_has_no_horizontal_scroll(browser: Any, ui_up: UiUp) -> None:
    context = browser.new_context(base_url=ui_up.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        ask(page, "helper", "Do two calculations")
        expect(page.get_by_role("button", name="Approve all")).to_be_visible()
        page.get_by_role("button", name="Approve all").click()
        expect(page.get_by_role("group", name="Tool calculate: done")).to_have_count(2)
        page.get_by_role("button", name="Sessions").click()
        expect(page.get_by_role("navigation", name="Sessions")).to_be_visible()
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
    finally:
        context.close()
