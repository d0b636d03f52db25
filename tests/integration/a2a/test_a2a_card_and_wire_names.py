"""The agent card per protocol version, against the published schemas, and camelCase JSON
names in every response and event of both bindings (A2A 1.0 §5.5).

Every test starts a real agent (the runtime app under uvicorn, the scripted fake LLM).
"""

from __future__ import annotations

import json
import uuid

import httpx
import jsonschema
import pytest
from a2a.types import AgentCard
from a2a_helpers import non_camel_keys, sse_payloads, v03_card_schema, v1_schema
from runtime_helpers import base_config

from bosun.mockllm import MockLLM

pytestmark = pytest.mark.slow  # starts the agent runtime (pydantic-ai import: seconds)

SCRIPT = [
    {"match": {"contains": "weather", "turn": 0}, "text": "Checking.",
     "tool_calls": [{"name": "ask_user", "arguments": {"questions": [
         {"question": "Which city?", "choices": ["Oslo", "Rome"]}]}}]},
    {"default": True, "text": "Hello there."},
]  # fmt: skip
V1 = {"A2A-Version": "1.0"}
# Values under these keys are data, not protocol names: a tool's own argument names
# (they are whatever the tool's schema says) and the model's question payloads.
DATA_KEYS = frozenset({"arguments", "result"})


def _message(text: str, **extra: str) -> dict:
    return {"role": "ROLE_USER", "messageId": str(uuid.uuid4()), "parts": [{"text": text}], **extra}


async def test_card_is_strict_1_0_for_1_0_clients_and_has_0_3_fields_for_others(
    start_agent,
) -> None:
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm))
        async with httpx.AsyncClient(base_url=agent.url) as http:
            v1 = (await http.get("/.well-known/agent-card.json", headers=V1)).json()
            legacy = (await http.get("/.well-known/agent-card.json")).json()
            legacy_path = (await http.get("/.well-known/agent.json")).json()

    jsonschema.validate(v1, v1_schema(AgentCard()))
    assert "url" not in v1 and "protocolVersion" not in v1
    bindings = {(i["protocolBinding"], i["protocolVersion"]) for i in v1["supportedInterfaces"]}
    assert bindings == {
        ("JSONRPC", "1.0"),
        ("HTTP+JSON", "1.0"),
        ("JSONRPC", "0.3"),
        ("HTTP+JSON", "0.3"),
    }
    rest = next(i for i in v1["supportedInterfaces"] if i["protocolBinding"] == "HTTP+JSON")
    assert rest["url"] == agent.url + "v1"
    assert v1["capabilities"] == {"streaming": True, "pushNotifications": True}

    jsonschema.validate(legacy, v03_card_schema())
    assert legacy["url"] == agent.url and legacy["protocolVersion"] == "0.3"
    assert legacy["preferredTransport"] == "JSONRPC"
    assert legacy["additionalInterfaces"] == [{"url": agent.url, "transport": "HTTP+JSON"}]
    with pytest.raises(jsonschema.ValidationError):  # the strict 1.0 schema knows no `url`
        jsonschema.validate(legacy, v1_schema(AgentCard()))
    assert legacy_path == legacy


async def test_every_key_of_every_response_and_event_is_camel_case(start_agent) -> None:
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm))
        payloads: list = []
        async with httpx.AsyncClient(base_url=agent.url, headers=V1, timeout=30) as http:
            # JSON-RPC stream: a tool call that pauses for the user (DataParts, metadata).
            body = {"jsonrpc": "2.0", "id": 1, "method": "SendStreamingMessage",
                    "params": {"message": _message("weather?")}}  # fmt: skip
            stream = await http.post("/", json=body)
            events = [json.loads(p) for p in sse_payloads(stream.text)]
            payloads += events
            task = events[-1]["result"]["statusUpdate"]
            assert task["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"
            # Answer it over HTTP+JSON: the turn completes with usage in its metadata.
            answer = _message("Oslo", taskId=task["taskId"], contextId=task["contextId"])
            rest = await http.post("/v1/message:stream", json={"message": answer})
            payloads += [json.loads(p) for p in sse_payloads(rest.text)]
            rest_get = await http.get(f"/v1/tasks/{task['taskId']}")
            payloads.append(rest_get.json())
            listed = await http.get("/v1/tasks", params={"contextId": task["contextId"]})
            payloads.append(listed.json())
            rpc_get = await http.post("/", json={"jsonrpc": "2.0", "id": 2, "method": "GetTask",
                                                 "params": {"id": task["taskId"]}})  # fmt: skip
            payloads.append(rpc_get.json())
            missing = await http.get("/v1/tasks/nope")
            payloads.append(missing.json())

    final = rest_get.json()
    assert final["status"]["state"] == "TASK_STATE_COMPLETED"
    usage = final["status"]["message"]["metadata"]["usage"]
    assert set(usage) == {
        "inputTokens",
        "outputTokens",
        "totalTokens",
        "requests",
        "toolCalls",
        "model",
    }
    assert len(listed.json()["tasks"]) == 1
    bad = [key for p in payloads for key in non_camel_keys(p, skip=DATA_KEYS)]
    assert bad == []
