"""One user request through the proxy is one trace: spans of the control plane (the
proxy) and of the agent (`bosun agent` in its own process: the turn and the LLM call),
exported over OTLP/HTTP to a real in-process receiver that decodes the protobuf
ExportTraceServiceRequest, under the trace id of the caller's W3C traceparent."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.util._once import Once
from server_agents import A2A_HEADERS, register, send_body, write_agent_dir
from server_harness import control_plane, free_port, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # starts `bosun agent` as a process

TRACE_ID = uuid.uuid4().hex
TRACEPARENT = f"00-{TRACE_ID}-{uuid.uuid4().hex[:16]}-01"


class Receiver:
    """An OTLP/HTTP traces endpoint: (trace id, service name, span name) of every span."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, str]] = []

    async def export(self, request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        for resource_spans in message.resource_spans:
            service = next(
                (a.value.string_value for a in resource_spans.resource.attributes
                 if a.key == "service.name"), "",
            )  # fmt: skip
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.spans.append((span.trace_id.hex(), service, span.name))
        body = ExportTraceServiceResponse().SerializeToString()
        return Response(body, media_type="application/x-protobuf")

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/traces", self.export, methods=["POST"])])


@pytest.fixture
def fresh_tracer_provider() -> Iterator[None]:
    """OpenTelemetry allows one global provider per process; let this test install its own."""
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None
    yield
    provider: Any = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
        provider.shutdown()
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None


def _bosun() -> list[str]:
    beside = Path(sys.executable).with_name("bosun")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "bosun.cli.main"]


async def test_one_trace_across_control_plane_and_agent(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fresh_tracer_provider: None,
) -> None:  # fmt: skip
    receiver = Receiver()
    async with serving(receiver.app()) as otlp:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp)
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
        with MockLLM([{"default": True, "text": "traced"}]) as llm:
            directory = tmp_path / "agent"
            write_agent_dir(directory, llm, "helper")
            port = free_port()
            env = {**os.environ, "OTEL_SERVICE_NAME": "bosun-agent"}
            env.pop("BOSUN_URL", None)
            process = subprocess.Popen(  # noqa: ASYNC220 (started once, waited on below)
                [*_bosun(), "agent", "--config", str(directory), "--host", "127.0.0.1",
                 "--port", str(port), "--data-dir", str(tmp_path / "data")],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            try:
                agent_url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient() as http:
                    for _ in range(600):
                        try:
                            if (await http.get(f"{agent_url}/readyz")).status_code == 200:
                                break
                        except httpx.TransportError:
                            pass
                        await asyncio.sleep(0.05)
                    else:
                        raise AssertionError("bosun agent did not become ready")
                async with control_plane(sqlite_db, tmp_path) as plane:
                    await register(plane, "helper", agent_url)
                    answer = await plane.http.post(
                        "/api/a2a/default/helper", json=send_body("hello"),
                        headers={**A2A_HEADERS, "traceparent": TRACEPARENT},
                    )  # fmt: skip
                    assert answer.status_code == 200 and "traced" in answer.text, answer.text
                    provider: Any = trace.get_tracer_provider()
                    provider.force_flush()
                for _ in range(100):  # the agent exports in batches (100 ms here)
                    ours = [s for s in receiver.spans if s[0] == TRACE_ID]
                    services = {s[1] for s in ours}
                    if {"bosun-controlplane", "bosun-agent"} <= services and any(
                        name.startswith("chat ") for _, _, name in ours
                    ):
                        break
                    await asyncio.sleep(0.1)
            finally:
                process.terminate()
                _, err = process.communicate(timeout=20)
    ours = [s for s in receiver.spans if s[0] == TRACE_ID]
    names = {(service, name) for _, service, name in ours}
    assert ("bosun-controlplane", "a2a.proxy") in names, (receiver.spans, err[-2000:])
    assert ("bosun-agent", "bosun.turn") in names, names
    assert any(s == "bosun-agent" and n == "chat gpt-test" for s, n in names), names
    # Every span of the agent's turn is in the caller's trace: one trace, not two.
    turn_traces = {t for t, _, name in receiver.spans if name in ("bosun.turn", "chat gpt-test")}
    assert turn_traces == {TRACE_ID}
