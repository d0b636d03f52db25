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
