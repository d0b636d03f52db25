"""OpenTelemetry: a span per turn, per LLM call (gen_ai conventions) and per tool call."""

from __future__ import annotations

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from runtime_helpers import base_config, mcp_settings

from bosun.mockllm import MockLLM
from bosun.runtime.telemetry import setup_telemetry, shutdown_telemetry


async def test_turn_llm_and_tool_spans(mcp_server, start_agent, connect) -> None:
    exporter = InMemorySpanExporter()
    assert setup_telemetry("default/test-agent", exporter=exporter)
    try:
        tools = mcp_server()
        script = [
            {"match": {"turn": 0}, "tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]},
            {"match": {"turn": 1}, "text": "3"},
        ]
        with MockLLM(script) as llm:
            agent = await start_agent(base_config(llm, mcp_servers=[mcp_settings(tools)]))
            exchange = await (await connect(agent.url)).send("add")
            assert exchange.final_text() == "3"
        spans = exporter.get_finished_spans()
        by_name = {s.name: s for s in spans}
        turn = by_name["bosun.turn"]
        assert turn.attributes["a2a.task_id"] == exchange.task_id
        llm_spans = [s for s in spans if s.attributes.get("gen_ai.request.model") == "gpt-test"]
        assert len(llm_spans) == 2
        assert all(s.attributes.get("gen_ai.usage.input_tokens", 0) > 0 for s in llm_spans)
        tool_spans = [s for s in spans if s.name == "execute_tool add"]
        assert len(tool_spans) == 1 and tool_spans[0].attributes["gen_ai.tool.call.id"]
        # LLM and tool spans are inside the turn's trace.
        assert {s.context.trace_id for s in llm_spans + tool_spans} == {turn.context.trace_id}
    finally:
        shutdown_telemetry()
