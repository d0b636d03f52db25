"""DataParts carry tool calls and results as the JSON a client reads back."""

from __future__ import annotations

from datetime import date

from google.protobuf import json_format, struct_pb2

from bosun.runtime import protocol


def test_data_part_is_the_json_of_the_data() -> None:
    data = protocol.tool_result(
        "call_1",
        "lookup",
        status="success",
        result={"n": 5, "x": 2.5, "ok": True, "none": None, "list": [1, "a", {"b": []}]},
    )
    part = protocol.data_part({**data, "when": date(2026, 1, 2)})
    # The same Value json_format builds from the JSON, so clients see the same numbers.
    expected = json_format.ParseDict(
        {**protocol.jsonable(data), "when": "2026-01-02"}, struct_pb2.Value()
    )
    assert part.data == expected
    assert json_format.MessageToDict(part.data)["result"]["list"] == [1.0, "a", {"b": []}]


def test_wire_names_are_camel_case_and_old_names_are_still_read() -> None:
    from bosun.runtime.protocol import InputRequest, tool_call, usage_of

    assert tool_call("c1", "t", {}, agent="sub", parent_id="p1")["parentId"] == "p1"
    request = InputRequest("c2", "approval", "t", arguments={}, agent="sub", parent_id="p1")
    assert "parentId" in request.to_json() and "parent_id" not in request.to_json()
    old = InputRequest.from_json({"id": "c2", "kind": "approval", "tool": "t", "parent_id": "p"})
    assert old.parent_id == "p"
    old_usage = {"usage": {"input_tokens": 3, "output_tokens": 4, "tool_calls": 1, "model": "m"}}
    assert usage_of(old_usage) == {
        "inputTokens": 3,
        "outputTokens": 4,
        "toolCalls": 1,
        "model": "m",
    }
    assert usage_of({"usage": {"inputTokens": 5}}) == {"inputTokens": 5}
