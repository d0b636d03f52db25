"""Pending calls: only the user's answers to the stored call ids resolve them."""

from __future__ import annotations

from a2a.types import Message, Part, Role
from google.protobuf import json_format, struct_pb2
from pydantic_ai import DeferredToolRequests, ToolApproved, ToolDenied
from pydantic_ai.messages import ToolCallPart

from bosun.runtime.pending import Pending, resolve
from bosun.runtime.protocol import parse_user_response


def _message(text: str | None = None, data: dict | None = None) -> Message:
    parts = []
    if text:
        parts.append(Part(text=text))
    if data is not None:
        parts.append(Part(data=json_format.ParseDict(data, struct_pb2.Value())))
    return Message(role=Role.ROLE_USER, message_id="m", parts=parts)


def _pending() -> Pending:
    requests = DeferredToolRequests(
        approvals=[
            ToolCallPart("delete_pod", {"name": "a"}, "c1"),
            ToolCallPart("delete_pod", {"name": "b"}, "c2"),
        ],
        calls=[ToolCallPart("ask_user", {"questions": []}, "q1")],
        metadata={"q1": {"questions": [{"question": "Which?", "choices": ["x", "y"]}]}},
    )
    return Pending.from_requests(requests)


async def _drop(_) -> None:
    return None


async def test_all_answers_resolve_into_engine_results() -> None:
    pending = _pending()
    assert [r.id for r in pending.requests()] == ["c1", "c2", "q1"]
    answer = {
        "decisions": {"c1": {"approved": True}, "c2": {"approved": False, "reason": "no"}},
        "answers": {"q1": "y"},
    }
    resolved = await resolve(
        pending, parse_user_response(_message(data=answer)), agents=None, emit=_drop
    )
    assert resolved.done()
    results = resolved.results()
    assert isinstance(results.approvals["c1"], ToolApproved)
    denied = results.approvals["c2"]
    assert isinstance(denied, ToolDenied) and "Reason: no" in denied.message
    assert results.calls["q1"] == "y"


async def test_partial_or_forged_answers_change_nothing() -> None:
    for data in (
        {"decisions": {"c1": {"approved": True}}},
        {"decisions": {"c9": {"approved": True}, "c1": True, "c2": True}},
        {"decisions": {"c1": {"approved": "yes"}, "c2": True}, "answers": {"q1": "x"}},
    ):
        pending = _pending()
        resolved = await resolve(
            pending, parse_user_response(_message(data=data)), agents=None, emit=_drop
        )
        assert not resolved.done()
        assert [r.id for r in resolved.requests()] == ["c1", "c2", "q1"]


async def test_text_only_reply_rejects_and_answers() -> None:
    pending = _pending()
    resolved = await resolve(
        pending, parse_user_response(_message("stop it")), agents=None, emit=_drop
    )
    assert resolved.done()
    results = resolved.results()
    assert all(isinstance(r, ToolDenied) for r in results.approvals.values())
    assert results.calls["q1"] == "stop it"


async def test_pending_round_trips_through_task_metadata() -> None:
    pending = _pending()
    restored = Pending.from_metadata({"bosunPending": pending.to_metadata()})
    assert restored is not None
    assert [e.to_json() for e in restored.entries] == pending.to_metadata()
    assert Pending.from_metadata({"bosunPending": []}) is None


async def test_pending_stored_before_camel_case_names_is_still_read() -> None:
    pending = _pending()
    legacy = Pending.from_metadata({"bosun_pending": pending.to_metadata()})
    assert legacy is not None and len(legacy.entries) == len(pending.entries)
    # A resumed task writes the new key empty: that clears the old one.
    assert (
        Pending.from_metadata({"bosun_pending": pending.to_metadata(), "bosunPending": []}) is None
    )


async def test_sub_agent_requests_reusing_our_ids_are_refused() -> None:
    remote = {
        "agent": "helper",
        "taskId": "t",
        "contextId": "c",
        "requests": [{"id": "c1", "kind": "approval", "tool": "x", "arguments": {}}],
    }
    requests = DeferredToolRequests(
        approvals=[ToolCallPart("delete_pod", {"name": "a"}, "c1")],
        calls=[ToolCallPart("helper", {"request": "r"}, "r1")],
        metadata={"r1": {"remote_agent": remote}},
    )
    pending = Pending.from_requests(requests)
    # Only our own call is asked for; the clashing sub-agent request is refused.
    assert [r.id for r in pending.requests()] == ["c1"]
    assert pending.entries[1].resolution == {
        "failed": "the sub-agent asked for input with call ids that are already in use; "
        "its request was refused"
    }
